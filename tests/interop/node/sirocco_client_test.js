#!/usr/bin/env node
// Interop test (ctest label interop): sirocco-client against the LwM2M
// server of lwm2m-node-lib (npm, Telefonica, written by others).
//
//   node sirocco_client_test.js /path/to/bin/sirocco-client
//
// 1. starts lwm2m-node-lib's server on a free UDP port (in-memory registry);
// 2. starts sirocco-client --server coap://127.0.0.1:PORT (non-interactive);
// 3. waits for the registration in the server's registry;
// 4. reads /3/0/0 (manufacturer "Sirocco") and /3303/0/5701 (units "Cel"),
//    and /3303/0/5700 (a number);
// 5. writes /1/0/1 (lifetime) and /3311/0/5850 (light on/off) and reads them back;
// 6. sends SIGTERM to the client and checks that the server saw the
//    de-registration and that the client exited with status 0.
// Everything it starts is stopped; the whole run is bounded (30 s).
//
// Notes on lwm2m-node-lib 1.4.0 (2020) under Node 20, handled here without
// touching node_modules:
//  - its default content formats are the pre-1.0 draft numbers (1541 text,
//    1542 TLV...); the configuration below uses text/plain (0) for reads and
//    writes, as LwM2M 1.0+ specifies;
//  - it requires mongoose at load time even with the in-memory registry
//    (works, just slow to load);
//  - it reaches devices by sending each request to its own port with a
//    Proxy-Uri, and forwards it from its server socket, so the client sees
//    every request come from the address it registered with.
'use strict';

const dgram = require('dgram');
const { spawn } = require('child_process');
const path = require('path');

const clientBin = process.argv[2];
if (!clientBin) {
    console.error('usage: sirocco_client_test.js SIROCCO_CLIENT_BINARY');
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
const server = lwm2m.server;

const deadline = setTimeout(() => fail('the test took more than 30 s'), 30000);
let client = null;
let serverInfo = null;
let clientExit = null;
const events = [];
let failed = false;

function log(msg) {
    console.log('[interop] ' + msg);
}

function cleanup(done) {
    clearTimeout(deadline);
    if (client && clientExit === null) client.kill('SIGKILL');
    if (serverInfo) {
        server.stop(serverInfo, () => done());
        serverInfo = null;
    } else {
        done();
    }
}

function fail(msg) {
    if (failed) return;
    failed = true;
    console.error('[interop] FAIL: ' + msg);
    cleanup(() => process.exit(1));
}

function check(cond, msg) {
    if (!cond) throw new Error(msg);
    log('ok: ' + msg);
}

function freeUdpPort() {
    return new Promise((resolve, reject) => {
        const s = dgram.createSocket('udp4');
        s.on('error', reject);
        s.bind(0, '127.0.0.1', () => {
            const port = s.address().port;
            s.close(() => resolve(port));
        });
    });
}

function startServer(port) {
    const config = {
        port: port,
        lifetimeCheckInterval: 1000,
        udpWindow: 100,
        defaultType: 'Device',
        types: [],
        logLevel: 'FATAL',
        ipProtocol: 'udp4',
        serverProtocol: 'udp4',
        formats: [
            { name: 'application/vnd.oma.lwm2m+tlv', value: 11542 },
            { name: 'application/vnd.oma.lwm2m+json', value: 11543 },
        ],
        writeFormat: 'text/plain',
        defaultAcceptFormat: 'text/plain',
    };
    return new Promise((resolve, reject) => {
        server.start(config, (err, info) => (err ? reject(err) : resolve(info)));
    });
}

function waitFor(what, predicate, ms) {
    return new Promise((resolve, reject) => {
        const t0 = Date.now();
        const tick = () => {
            const v = predicate();
            if (v) return resolve(v);
            if (Date.now() - t0 > ms) return reject(new Error('timed out waiting for ' + what));
            setTimeout(tick, 50);
        };
        tick();
    });
}

const call = (fn, ...args) =>
    new Promise((resolve, reject) => fn(...args, (err, res) => (err ? reject(err) : resolve(res))));

async function main() {
    const port = await freeUdpPort();
    serverInfo = await startServer(port);
    log('lwm2m-node-lib server on udp port ' + port);

    server.setHandler(serverInfo, 'registration', (endpoint, lifetime, version, binding, payload, cb) => {
        events.push({ kind: 'registration', endpoint, lifetime, version, binding, payload });
        cb();
    });
    server.setHandler(serverInfo, 'unregistration', (device, cb) => {
        events.push({ kind: 'unregistration', device });
        cb();
    });
    server.setHandler(serverInfo, 'updateRegistration', (object, payload, cb) => {
        events.push({ kind: 'update', object, payload });
        cb();
    });

    const endpoint = 'sirocco-interop-' + process.pid;
    client = spawn(
        clientBin,
        ['--endpoint', endpoint, '--server', 'coap://127.0.0.1:' + port, '--lifetime', '60', '--lwm2m-version',
         '1.0', '--non-interactive', '--log-level', process.env.SIROCCO_LOG_LEVEL || 'info'],
        { stdio: ['ignore', 'pipe', 'pipe'] });
    let clientOut = '';
    const prefixLines = (prefix) => {
        let partial = '';
        return (d) => {
            partial += d;
            const lines = partial.split('\n');
            partial = lines.pop();
            for (const l of lines) console.log(prefix + l);
        };
    };
    const echoOut = prefixLines('[client] ');
    client.stdout.on('data', (d) => {
        clientOut += d;
        echoOut(d);
    });
    client.stderr.on('data', prefixLines('[client:err] '));
    client.on('exit', (code, signal) => {
        clientExit = { code, signal };
    });

    const reg = await waitFor('the registration', () => events.find((e) => e.kind === 'registration'), 10000);
    check(reg.endpoint === endpoint, 'registered with endpoint ' + reg.endpoint);
    check(String(reg.lifetime) === '60', 'lifetime 60 announced');
    check(/<\/3\/0>/.test(reg.payload) && /<\/3303\/0>/.test(reg.payload),
          'object list has /3/0 and /3303/0: ' + reg.payload);
    await waitFor('"registered" on the client', () => /registered \/rd\//.test(clientOut), 5000);

    const device = await call(server.getRegistry().getByName, endpoint);
    log('device id ' + device.id + ' at ' + device.address + ':' + device.port);

    const manufacturer = await call(server.read, device.id, '3', '0', '0');
    check(manufacturer === 'Sirocco', 'read /3/0/0 = "' + manufacturer + '"');
    const units = await call(server.read, device.id, '3303', '0', '5701');
    check(units === 'Cel', 'read /3303/0/5701 = "' + units + '"');
    const temperature = await call(server.read, device.id, '3303', '0', '5700');
    check(!isNaN(parseFloat(temperature)), 'read /3303/0/5700 = ' + temperature + ' (a number)');

    await call(server.write, device.id, '1', '0', '1', '120');
    const lifetime = await call(server.read, device.id, '1', '0', '1');
    check(lifetime === '120', 'write /1/0/1 = 120, read back "' + lifetime + '"');

    // Boolean in text/plain is "0" or "1" (Core TS 1.0, 6.4.1); "true" is a 4.00.
    await call(server.write, device.id, '3311', '0', '5850', '1');
    const on = await call(server.read, device.id, '3311', '0', '5850');
    check(on === '1', 'write /3311/0/5850 = 1 (light on), read back "' + on + '"');
    let badBool = null;
    try {
        await call(server.write, device.id, '3311', '0', '5850', 'maybe');
    } catch (e) {
        badBool = e;
    }
    check(badBool !== null && badBool.code === '4.00', 'write of "maybe" to a boolean refused with 4.00');

    let refused = null;
    try {
        await call(server.read, device.id, '3', '0', '9999');
    } catch (e) {
        refused = e;
    }
    check(refused !== null, 'read /3/0/9999 refused (' + (refused && (refused.name + ' ' + (refused.code || ''))) + ')');

    // The lifetime write makes the client send an Update (Core TS E.2).
    await waitFor('the Update after the lifetime change', () => events.find((e) => e.kind === 'update'), 5000)
        .then(() => log('ok: Update received after the lifetime write'))
        .catch((e) => log('note: ' + e.message));

    client.kill('SIGTERM');
    await waitFor('the de-registration', () => events.find((e) => e.kind === 'unregistration'), 5000);
    log('ok: de-registration seen by the server');
    await waitFor('the client to exit', () => clientExit, 5000);
    check(clientExit.code === 0, 'client exited with status 0 after SIGTERM (' + JSON.stringify(clientExit) + ')');
    check(/deregistered/.test(clientOut), 'client printed "deregistered"');
    const left = await call(server.listDevices);
    check(Array.isArray(left) && !left.some((d) => d.name === endpoint), 'device removed from the registry');
}

main().then(
    () => cleanup(() => {
        console.log('1 passed, 0 failed');
        process.exit(0);
    }),
    (e) => fail(e && e.stack ? e.stack : (typeof e === 'object' ? JSON.stringify(e) + ' ' + (e.name || '') : String(e))));
