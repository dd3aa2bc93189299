const esbuild = require('/work/main/node_modules/esbuild');
const [entry, ...ext] = process.argv.slice(2);
const r = esbuild.buildSync({ entryPoints:[entry], bundle:true, write:false, format:'cjs', platform:'node', external:['@temporalio/*','zod', ...ext], logLevel:'silent', define:{__PAYOPS_TRUST_ENV__:'"local"'}});
const code = r.outputFiles[0].text;
const fn = new Function('require','module','exports', code);
const keep = [];
const N = 200;
global.gc(); const h0 = process.memoryUsage().heapUsed;
const t0 = process.hrtime.bigint();
for (let i=0;i<N;i++){ const m={exports:{}}; fn(require,m,m.exports); keep.push(m.exports); }
const t1 = process.hrtime.bigint();
global.gc(); const h1 = process.memoryUsage().heapUsed;
console.log(entry, ext.join(','), 'KB/instance', ((h1-h0)/N/1024).toFixed(0), 'ms/instance', (Number(t1-t0)/1e6/N).toFixed(2));
