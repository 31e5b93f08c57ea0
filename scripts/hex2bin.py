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
    # hex2bin.py IN.hex OUT.bin, or hex2bin.py --into DIR IN.hex... (one
    # process for a whole corpus: starting Python per file is the slow part)
    if sys.argv[1] == '--into':
        import os
        out_dir = sys.argv[2]
        for path in sys.argv[3:]:
            name = os.path.basename(path).rsplit('.', 1)[0] + '.bin'
            with open(os.path.join(out_dir, name), 'wb') as f:
                f.write(hex_bytes(open(path).read()))
    else:
        data = hex_bytes(open(sys.argv[1]).read())
        open(sys.argv[2], 'wb').write(data)
