// Progressive enhancement of the draw page: the reader's own browser re-checks the draw,
// independently of the server's check above:
//   - the commit-reveal with WebCrypto (SHA-256 of the revealed seed = the commitment; SHA-256
//     of the snapshot document = the snapshot hash);
//   - the selection, with the independent verifier of the draw specification
//     (verifier-js/verifier.mjs, served unchanged at /verifier/verifier.mjs): the published
//     selection (or, before full disclosure, the salted leaves and the entries revealed so far)
//     against the selection commitment.
// It says MATCH or lists why not.
const box = document.getElementById("browser-check");
const out = document.getElementById("browser-check-result");
const list = document.getElementById("browser-check-problems");

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
}

function bytesOf(hexText) {
  return new Uint8Array((hexText.match(/../g) || []).map((p) => parseInt(p, 16)));
}

async function fetched(url, how) {
  const response = await fetch(url);
  if (!response.ok) { throw new Error(`${url}: HTTP ${response.status}`); }
  return how === "json" ? response.json() : response.arrayBuffer();
}

function show(verdict, text, problems) {
  out.textContent = text;
  list.replaceChildren(...problems.map((p) => Object.assign(document.createElement("li"), { textContent: p })));
  box.className = "banner " + (verdict === "match" ? "good" : verdict === "mismatch" ? "bad" : "warn");
  box.setAttribute("data-verdict", verdict);
}

async function check(d) {
  const [verifier, seedDigest, document_, record] = await Promise.all([
    import(d.verifierUrl),
    crypto.subtle.digest("SHA-256", bytesOf(d.seed)),
    fetched(d.documentUrl, "bytes"),
    fetched(d.recordUrl, "json"),
  ]);
  const problems = [];
  if (hex(seedDigest) !== d.commitment) { problems.push(d.badCommitment); }
  if (hex(await crypto.subtle.digest("SHA-256", document_)) !== d.snapshotHash) {
    problems.push(d.badSnapshot);
  }
  if (record.draw_id !== d.drawId || record.seed_commitment !== d.commitment
      || record.snapshot_hash !== d.snapshotHash) {
    problems.push(d.badRecord);
  }
  if (!record.selection_commitment) {
    problems.push(d.noCommitment);
  } else {
    for (const p of verifier.verifyRecord(record)) { problems.push(`${d.badSelection}: ${p}`); }
  }
  if (problems.length) { return show("mismatch", d.mismatch, problems); }
  const selection = d.selectionOk
    .replace("{revealed}", String(record.selection.length))
    .replace("{count}", String(record.selected_count));
  return show("match", `${d.match} ${selection}`, []);
}

if (box && window.crypto && window.crypto.subtle && window.fetch) {
  box.hidden = false;
  out.textContent = box.dataset.running;
  check(box.dataset).catch((error) => show("failed", `${box.dataset.failed} (${error.message})`, []));
}
