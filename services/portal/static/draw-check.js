// Progressive enhancement of the draw page: the reader's own browser re-checks the
// commit-reveal with WebCrypto (SHA-256 of the revealed seed = the commitment; SHA-256 of the
// snapshot document = the snapshot hash), independently of the server's check above.
(function () {
  "use strict";
  var box = document.getElementById("browser-check");
  if (!box || !window.crypto || !window.crypto.subtle || !window.fetch) { return; }
  var out = document.getElementById("browser-check-result");
  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }
  function bytesOf(hexText) {
    var pairs = hexText.match(/../g) || [];
    return new Uint8Array(pairs.map(function (p) { return parseInt(p, 16); }));
  }
  var d = box.dataset;
  box.hidden = false;
  out.textContent = d.running;
  Promise.all([
    crypto.subtle.digest("SHA-256", bytesOf(d.seed)),
    fetch(d.documentUrl).then(function (r) {
      if (!r.ok) { throw new Error("HTTP " + r.status); }
      return r.arrayBuffer();
    }).then(function (doc) { return crypto.subtle.digest("SHA-256", doc); })
  ]).then(function (digests) {
    var problems = [];
    if (hex(digests[0]) !== d.commitment) { problems.push(d.badCommitment); }
    if (hex(digests[1]) !== d.snapshotHash) { problems.push(d.badSnapshot); }
    out.textContent = problems.length ? d.mismatch + ": " + problems.join("; ") : d.match;
    box.className = "banner " + (problems.length ? "bad" : "good");
    box.setAttribute("data-verdict", problems.length ? "mismatch" : "match");
  }).catch(function (error) {
    out.textContent = d.failed + " (" + error.message + ")";
    box.className = "banner warn";
  });
}());
