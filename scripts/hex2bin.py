#!/usr/bin/env python3
"""Turns an annotated hex vector file into raw bytes.

Format (shared by unit tests and fuzz seeds, see tests/vectors/README.md):
'#' starts a comment to the end of the line; lines whose first non-blank
character is '@' are metadata ("@code 0.01") and skipped; everything else is
hex digits with optional whitespace.
"""
import re
import sys

def hex_bytes(text: str) -> bytes:
    out = []
    for line in text.splitlines():
        line = line.split('#', 1)[0]
        if line.lstrip().startswith('@'):
            continue
        out.append(re.sub(r'\s+', '', line))
    return bytes.fromhex(''.join(out))

if __name__ == '__main__':
    data = hex_bytes(open(sys.argv[1]).read())
    open(sys.argv[2], 'wb').write(data)
