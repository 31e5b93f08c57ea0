#!/usr/bin/env node
// Interop test (ctest label interop): the LwM2M CLIENT of lwm2m-node-lib
// (npm, Telefonica, written by others) against sirocco-server, driven
// through sirocco-server's REST API (the Leshan demo-server shapes).
//
//   node sirocco_server_node_client_test.js /path/to/bin/sirocco-server
//
// 1. starts sirocco-server on free ports (--store memory, the ports it bound
//    are read from its "listening ..." line);
// 2. lwm2m-node-lib's client creates /3/0 and /3303/0 in its registry and
//    registers as endpoint "node-client";
// 3. GET /api/clients lists it (registration event seen on /api/event);
// 4. REST reads /3/0/0 and /3303/0/5700 (format TEXT) and checks the values;
// 5. REST writes /3303/0/5700 and /3/0/14 (TEXT) and checks the client's
//    registry has the new values, then reads them back through REST;
// 6. the client de-registers; the registration is gone from /api/clients.
// Everything it starts is stopped; the whole run is bounded (40 s).
//
// Quirks of lwm2m-node-lib 1.4.0's client (2020), handled here without
// touching node_modules:
//  - its Register carries no Content-Format option and an object list of
//    instance links only ("</3/0>,</3303/0>"); we set lwm2m=1.0 explicitly;
//  - it answers reads in plain text *without* a Content-Format option (the
//    server reads such a payload as the Accept it asked for, or as text for
//    one resource), so this test reads single resources with format=TEXT;
//  - it stores a write's payload verbatim as the new value (no decoding), so
//    only TEXT writes make sense;
//  - after registering it listens for requests on the port it registered
//    from (a new socket bound to that port), so the server's requests reach
//    it at the registration's address;
//  - it requires mongoose and other heavy modules at load time (slow start).
'use strict';

const { spawn } = require('child_process');
const http = require('http');

const serverBin = process.argv[2];
if (!serverBin) {
    console.error('usage: sirocco_server_node_client_test.js SIROCCO_SERVER_BINARY');
    process.exit(2);
}

let lwm2m;
try {
    lwm2m = require('lwm2m-node-lib');
} catch (e) {
    console.error('lwm2m-node-lib is not installed: run scripts/setup (npm ci in ' + __dirname + ')');
    console.error(String(e));
    process.exit(1);
}
const client = lwm2m.client;

const deadline = setTimeout(() => fail('the test took more than 40 s'), 40000);
let server = null;
let serverOut = '';
let serverErr = '';
let failed = false;
let deviceInfo = null;

function log(msg) {
    console.log('[interop] ' + msg);
}

function cleanup(done) {
    clearTimeout(deadline);
    const finish = () => {
        if (server && server.exitCode === null) server.kill('SIGKILL');
        done();
    };
    if (deviceInfo) {
        const d = deviceInfo;
        deviceInfo = null;
        try {
            client.unregister(d, () => finish());
            setTimeout(finish, 2000);
            return;
        } catch (e) {
            // fall through
        }
    }
    finish();
}

function fail(msg) {
    if (failed) return;
    failed = true;
    console.error('[interop] FAIL: ' + msg);
    console.error('[interop] server stderr:\n' + serverErr.slice(-4000));
    cleanup(() => process.exit(1));
}

function check(cond, msg) {
    if (!cond) throw new Error(msg);
    log('ok: ' + msg);
}

function sleep(ms) {
    return new Promise((r) => setTimeout(r, ms));
}

function request(port, method, path, body) {
    return new Promise((resolve, reject) => {
        const data = body === undefined ? null : Buffer.from(JSON.stringify(body));
        const req = http.request(
            {
                host: '127.0.0.1', port, method, path,
                headers: data ? { 'Content-Type': 'application/json', 'Content-Length': data.length } : {},
                timeout: 15000,
            },
            (res) => {
                let text = '';
                res.on('data', (c) => (text += c));
                res.on('end', () => {
                    let json = null;
                    try {
                        json = text ? JSON.parse(text) : null;
                    } catch (e) {
                        // not JSON
                    }
                    resolve({ status: res.statusCode, json, text });
                });
            });
        req.on('timeout', () => req.destroy(new Error(method + ' ' + path + ': timeout')));
        req.on('error', reject);
        if (data) req.write(data);
        req.end();
    });
}

function startServer() {
    return new Promise((resolve, reject) => {
        server = spawn(serverBin, ['--coap-address', '127.0.0.1', '--coap-port', '0',
            '--http-address', '127.0.0.1', '--http-port', '0', '--store', 'memory',
            '--log-level', 'debug'], { stdio: ['ignore', 'pipe', 'pipe'] });
        server.stderr.on('data', (d) => (serverErr += d));
        server.stdout.on('data', (d) => {
            serverOut += d;
            const m = /listening coap=udp:\/\/[^ ]*:(\d+) http=http:\/\/[^ ]*:(\d+)/.exec(serverOut);
            if (m) resolve({ coap: Number(m[1]), http: Number(m[2]) });
        });
        server.on('exit', (code) => reject(new Error('sirocco-server exited with ' + code)));
    });
}

function cb(f, ...args) {
    return new Promise((resolve, reject) => f(...args, (err, res) => (err ? reject(err) : resolve(res))));
}

async function main() {
    const ports = await startServer();
    log('sirocco-server coap ' + ports.coap + ' http ' + ports.http);

    client.init({
        client: { lifetime: '60', version: '1.0', logLevel: 'FATAL', observe: { period: 3000 }, ipProtocol: 'udp4' },
        logLevel: 'FATAL',
    });
    await cb(client.registry.create, '/3/0');
    await cb(client.registry.setResource, '/3/0', '0', 'NodeCo');
    await cb(client.registry.setResource, '/3/0', '14', '+01:00');
    await cb(client.registry.create, '/3303/0');
    await cb(client.registry.setResource, '/3303/0', '5700', '21.5');

    deviceInfo = await cb(client.register, '127.0.0.1', ports.coap, '', 'node-client');
    log('registered at ' + deviceInfo.location);

    let list = null;
    for (let i = 0; i < 50; i++) {
        const r = await request(ports.http, 'GET', '/api/clients');
        if (r.status === 200 && r.json.some((c) => c.endpoint === 'node-client')) {
            list = r.json;
            break;
        }
        await sleep(100);
    }
    check(list !== null, 'node-client listed by GET /api/clients');
    const reg = list.find((c) => c.endpoint === 'node-client');
    check(reg.lwM2mVersion === '1.0', 'its LwM2M version is 1.0 (' + reg.lwM2mVersion + ')');

    let r = await request(ports.http, 'GET', '/api/clients/node-client/3/0/0?format=TEXT');
    check(r.status === 200 && r.json.success === true, 'read /3/0/0: ' + r.text);
    check(r.json.content && r.json.content.value === 'NodeCo', 'manufacturer is NodeCo');

    r = await request(ports.http, 'GET', '/api/clients/node-client/3303/0/5700?format=TEXT');
    check(r.status === 200 && r.json.success === true, 'read /3303/0/5700: ' + r.text);
    check(Number(r.json.content.value) === 21.5, 'temperature is 21.5 (' + r.json.content.value + ')');

    r = await request(ports.http, 'PUT', '/api/clients/node-client/3303/0/5700?format=TEXT',
        { id: 5700, kind: 'singleResource', type: 'FLOAT', value: '23.25' });
    check(r.status === 200 && r.json.success === true, 'write /3303/0/5700: ' + r.text);
    let obj = await cb(client.registry.get, '/3303/0');
    check(Number(obj.attributes['5700']) === 23.25, 'the client holds 23.25 (' + obj.attributes['5700'] + ')');

    r = await request(ports.http, 'PUT', '/api/clients/node-client/3/0/14?format=TEXT',
        { id: 14, kind: 'singleResource', type: 'STRING', value: '+02:00' });
    check(r.status === 200 && r.json.success === true, 'write /3/0/14: ' + r.text);
    obj = await cb(client.registry.get, '/3/0');
    check(obj.attributes['14'] === '+02:00', 'the client holds +02:00 (' + obj.attributes['14'] + ')');

    r = await request(ports.http, 'GET', '/api/clients/node-client/3303/0/5700?format=TEXT');
    check(r.status === 200 && Number(r.json.content.value) === 23.25, 'read back 23.25 through REST');

    r = await request(ports.http, 'GET', '/api/clients/node-client/3303/0/5700/nothing');
    check(r.status === 400 || r.status === 404, 'a bad path is refused (' + r.status + ')');

    const d = deviceInfo;
    deviceInfo = null;
    await cb(client.unregister, d);
    let gone = false;
    for (let i = 0; i < 50 && !gone; i++) {
        const l = await request(ports.http, 'GET', '/api/clients');
        gone = l.status === 200 && !l.json.some((c) => c.endpoint === 'node-client');
        if (!gone) await sleep(100);
    }
    check(gone, 'node-client de-registered');

    server.kill('SIGTERM');
    const code = await new Promise((resolve) => {
        if (server.exitCode !== null) resolve(server.exitCode);
        server.removeAllListeners('exit');
        server.on('exit', (c) => resolve(c));
    });
    check(code === 0, 'sirocco-server exits 0 on SIGTERM');
}

main().then(
    () => cleanup(() => {
        log('PASS');
        process.exit(0);
    }),
    (e) => fail(e && e.stack ? e.stack : String(e)));
