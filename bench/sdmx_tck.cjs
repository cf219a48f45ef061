// sdmx_tck.cjs: runs the SDMX Technology Compatibility Kit (a checkout of sdmx-twg/sdmx-tck,
// its manager listening) against an SDMX REST service, without the kit's browser client:
// it asks the manager for the tests of the given indices, gives each test the identifiers
// its parent found (with the kit client's own state handlers, loaded from the checkout), has
// the manager execute it, and prints one line per test and a summary per index.
//
// node bench/sdmx_tck.cjs KIT MANAGER_URL ENDPOINT API_VERSION INDEX...
'use strict';
const fs = require('fs');
const path = require('path');
const Module = require('module');

const [kit, manager, endpoint, apiVersion, ...indices] = process.argv.slice(2);
if (!kit || !manager || !endpoint || !apiVersion || indices.length === 0) {
    console.error('usage: node sdmx_tck.cjs KIT MANAGER_URL ENDPOINT API_VERSION INDEX...');
    process.exit(2);
}

// The client's state handlers are an ES module of plain functions: loaded as CommonJS, with
// its modules resolved where the manager installed them.
function loadHandlers() {
    const file = path.join(kit, 'sdmx-tck-client/src/handlers/helperFunctions.js');
    const names = [];
    let src = fs.readFileSync(file, 'utf8')
        .replace(/^import \{ (\w+) \} from '([^']+)';/mg, "const { $1 } = require('$2');")
        .replace(/^export (const|function) (\w+)/mg, (m, kind, name) => {
            names.push(name);
            return `${kind} ${name}`;
        });
    src += `\nmodule.exports = { ${names.join(', ')} };\n`;
    const m = new Module(file, module);
    m.filename = path.join(kit, 'sdmx-tck-manager/handlers.js');
    m.paths = Module._nodeModulePaths(path.join(kit, 'sdmx-tck-manager'));
    m._compile(src, m.filename);
    return m.exports;
}
const h = loadHandlers();
const { TEST_STATE, TEST_TYPE } = require(path.join(kit, 'sdmx-tck-manager/node_modules/sdmx-tck-api')).constants;

let state = [];
const apply = (fn, action) => { state = fn(state, action); };

async function post(what, body) {
    const r = await fetch(`${manager}/tck-api/${what}`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
    });
    return r.json();
}

const results = [];

async function run(test) {
    if (test.testType === TEST_TYPE.STRUCTURE_REFERENCE_PARTIAL ||
        (test.testType === TEST_TYPE.DATA_AVAILABILITY && test.reqTemplate && test.reqTemplate.component))
        apply(h.getDataFromParent, { test });
    if (![TEST_STATE.COMPLETED, TEST_STATE.FAILED, TEST_STATE.UNABLE_TO_RUN].includes(test.state)) {
        let r;
        try {
            r = await post('execute-test', { endpoint, test });
        } catch (e) {
            r = { error: String(e) };
        }
        const passed = r.httpResponseValidation && r.httpResponseValidation.status === 1 &&
            ((r.workspaceValidation && r.workspaceValidation.status === 1) ||
             (r.httpResponseHeadersValidation && r.httpResponseHeadersValidation.status === 1));
        const why = r.error || r.failReason ||
            (r.httpResponseValidation && r.httpResponseValidation.error) ||
            (r.workspaceValidation && r.workspaceValidation.error) || '';
        results.push({ index: test.index, id: test.testId, url: r.httpResponseValidation ? r.httpResponseValidation.url : '',
                       passed: !!passed, why: typeof why === 'string' ? why : JSON.stringify(why) });
        if (passed) {
            apply(h.updateTestsStatus, { test: r, state: TEST_STATE.COMPLETED, isCompliant: true, isCovered: true });
            apply(h.passIdentifiersToChildren, { test: r });
        }
    }
    for (const sub of test.subTests || []) {
        if (sub.requireItems === true && (!sub.items || sub.items.length === 0)) {
            results.push({ index: sub.index, id: sub.testId, passed: false, why: 'unable to run: no items' });
            continue;
        }
        await run(sub);
    }
}

(async () => {
    state = await post('prepare-tests', { apiVersion, testIndices: indices, requestMode: 'Basic' });
    for (const top of state) {
        if (top.id === 'Data')
            apply(h.configDataTests, { testIndex: top.id, dataQueriesData: await post('configure-data-tests', { endpoint, apiVersion }) });
        for (const t of top.subTests)
            await run(t);
    }
    for (const r of results)
        console.log(`${r.passed ? "PASS" : "FAIL"}\t${r.index}\t${r.id}\t${r.url || ""}\t${r.why.replace(/\s+/g, ' ').slice(0, 160)}`);
    for (const index of indices) {
        const of = results.filter((r) => r.index === index);
        console.log(`tck: index=${index} tests=${of.length} passed=${of.filter((r) => r.passed).length}`);
    }
})();
