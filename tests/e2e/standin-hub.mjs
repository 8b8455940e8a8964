// A local stand-in for the Hugging Face Hub, for the end-to-end tests and the benchmark: two
// origins on 127.0.0.1, like the Hub and its file CDN.
//
// Hub origin (what the page is pointed at with `hub=`):
//   GET /api/datasets/OWNER/NAME/revision/REV      {id, sha, siblings}  (REV: a branch or the sha)
//   GET /api/datasets/OWNER/NAME/tree/SHA[/DIR]    [{type, path, size, oid, lfs?}]
//   GET /datasets/OWNER/NAME/resolve/REV/PATH      302 to the CDN origin
// CDN origin:
//   GET /files/SHA/PATH                            the bytes
// Both answer with `access-control-allow-origin: *`, as the Hub does for public files.
//
// The repository holds the split files of `dir` (pamela_*.json), a README, a .gitattributes and
// an `images/` folder whose PNGs are generated on request. `hub.mode` switches a failure on:
//   'gated' (401 on the info), 'forbidden' (403), 'missing' (404), 'nosplits' (a tree without
//   split files), 'truncate' (the CDN cuts the train file in the middle), 'corrupt' (the train
//   file is broken JSON), 'slow' (the CDN trickles, so a test can cancel).
// `hub.move()` points `main` at a new commit (same files). Every request is recorded in
// `hub.requests` as {origin: 'hub' | 'cdn', path}.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import zlib from 'node:zlib';

const REPO = 'bethgelab/PAMELA';

// A valid 1x1 PNG in a colour taken from the name (so that a thumbnail shows something).
function png(name) {
  const h = crypto.createHash('md5').update(name).digest();
  const crc = (buf) => {
    let c = ~0;
    for (const b of buf) { c ^= b; for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xEDB88320 & -(c & 1)); }
    return (~c) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const c = Buffer.alloc(4); c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(1, 0); ihdr.writeUInt32BE(1, 4); ihdr[8] = 8; ihdr[9] = 2;
  const raw = Buffer.from([0, h[0], h[1], h[2]]);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

const newSha = () => crypto.randomBytes(20).toString('hex');

export async function startHub({ dir, files: only } = {}) {
  const names = fs.readdirSync(dir).filter((n) => /^pamela_.*\.jsonl?$/.test(n)).filter((n) => !only || only.includes(n)).sort();
  const files = new Map(names.map((n) => [n, fs.readFileSync(path.join(dir, n))]));
  files.set('README.md', Buffer.from('# PAMELA (stand-in)\n'));
  files.set('.gitattributes', Buffer.from('*.json filter=lfs\n'));
  const hub = { mode: 'ok', sha: newSha(), requests: [], move() { hub.sha = newSha(); } };
  const cors = { 'access-control-allow-origin': '*' };
  const json = (res, status, body) => {
    const b = Buffer.from(JSON.stringify(body));
    res.writeHead(status, { ...cors, 'content-type': 'application/json', 'content-length': b.length });
    res.end(b);
  };
  const cdnServer = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    hub.requests.push({ origin: 'cdn', path: url.pathname });
    const m = url.pathname.match(/^\/files\/([0-9a-f]{40})\/(.+)$/);
    if (!m) { res.writeHead(404, cors); res.end('no such file'); return; }
    const p = decodeURIComponent(m[2]);
    if (p.startsWith('images/')) {
      const b = png(p);
      res.writeHead(200, { ...cors, 'content-type': 'image/png', 'content-length': b.length });
      res.end(b);
      return;
    }
    let body = files.get(p);
    if (!body) { res.writeHead(404, cors); res.end('no such file'); return; }
    if (hub.mode === 'corrupt' && p.startsWith('pamela_train')) body = Buffer.concat([body.subarray(0, 5000), Buffer.from('{"image_path": 7,,')]);
    res.writeHead(200, { ...cors, 'content-type': 'application/octet-stream', 'content-length': body.length });
    if (hub.mode === 'truncate' && p.startsWith('pamela_train')) {
      res.write(body.subarray(0, body.length >> 1), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    if (hub.mode === 'corrupt' && p.startsWith('pamela_train')) {
      // The listed size stays true to the broken body so the parse, not the size check, speaks.
      res.end(body);
      return;
    }
    if (hub.mode === 'slow') {
      let at = 0;
      const tick = () => {
        if (res.destroyed) return;
        if (at >= body.length) { res.end(); return; }
        res.write(body.subarray(at, at + 16384));
        at += 16384;
        setTimeout(tick, 50);
      };
      tick();
      return;
    }
    res.end(body);
  });
  await new Promise((r) => cdnServer.listen(0, '127.0.0.1', r));
  const cdn = `http://127.0.0.1:${cdnServer.address().port}`;

  const size = (p) => (hub.mode === 'corrupt' && p.startsWith('pamela_train') ? 5000 + 18 : files.get(p).length);
  const hubServer = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const p = decodeURIComponent(url.pathname);
    hub.requests.push({ origin: 'hub', path: url.pathname });
    if (hub.mode === 'gated') { json(res, 401, { error: 'Access to dataset is restricted. You must be authenticated.' }); return; }
    if (hub.mode === 'forbidden') { json(res, 403, { error: 'Forbidden' }); return; }
    const info = p.match(/^\/api\/datasets\/([^/]+\/[^/]+)\/revision\/(.+)$/);
    if (info) {
      const [, repo, rev] = info;
      if (repo !== REPO || hub.mode === 'missing' || (rev !== 'main' && rev !== hub.sha)) { json(res, 404, { error: 'Repository not found' }); return; }
      json(res, 200, { id: REPO, sha: hub.sha, private: false, gated: false, siblings: [...files.keys()].map((rfilename) => ({ rfilename })) });
      return;
    }
    const tree = p.match(/^\/api\/datasets\/([^/]+\/[^/]+)\/tree\/([0-9a-f]{40})(\/.*)?$/);
    if (tree) {
      const [, repo, sha, folder] = tree;
      if (repo !== REPO || sha !== hub.sha) { json(res, 404, { error: 'Revision not found' }); return; }
      if (folder === '/images') { json(res, 200, [{ type: 'file', path: 'images/a.png', size: 70, oid: 'x' }]); return; }
      if (folder) { json(res, 404, { error: 'no such folder' }); return; }
      const shown = [...files.keys()].filter((n) => hub.mode !== 'nosplits' || !n.startsWith('pamela_'));
      json(res, 200, [
        ...shown.map((n) => ({ type: 'file', path: n, size: 134, oid: crypto.createHash('sha1').update(n).digest('hex'),
          lfs: n.startsWith('pamela_') ? { oid: 'x', size: size(n), pointerSize: 134 } : undefined })),
        { type: 'directory', path: 'images', size: 0, oid: 'd' },
      ]);
      return;
    }
    const resolve = p.match(/^\/datasets\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/);
    if (resolve) {
      const [, repo, rev, file] = resolve;
      if (repo !== REPO) { res.writeHead(404, cors); res.end('Repository not found'); return; }
      const sha = rev === 'main' ? hub.sha : rev;
      res.writeHead(302, { ...cors, location: `${cdn}/files/${sha}/${file.split('/').map(encodeURIComponent).join('/')}` });
      res.end();
      return;
    }
    json(res, 404, { error: 'not a Hub path' });
  });
  await new Promise((r) => hubServer.listen(0, '127.0.0.1', r));
  hub.url = `http://127.0.0.1:${hubServer.address().port}`;
  hub.cdn = cdn;
  hub.repo = REPO;
  hub.files = names;
  hub.bytes = names.reduce((s, n) => s + files.get(n).length, 0);
  hub.close = () => Promise.all([hubServer, cdnServer].map((s) => new Promise((r) => { s.close(r); s.closeAllConnections?.(); })));
  return hub;
}
