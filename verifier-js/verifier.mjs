// Independent verifier of the inspection service's publicity records (docs/draw-spec.md).
// An ES module: import it in a browser (with an import map for @noble/hashes) or in Node.
// It re-implements, from the specification and not from the Python code:
//   - qp-selection-v1: the commitment to a draw's ordered selection, partial or complete;
//   - retest-lab-v1: the random choice of the re-test lab;
//   - the seed commitment (SHA-256 of the revealed seed).
import { sha256 } from '@noble/hashes/sha2.js';
import { shake256 } from '@noble/hashes/sha3.js';
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';

const SALT = utf8ToBytes('qp-selection-salt-v1\u0000');
const LEAF = utf8ToBytes('qp-selection-leaf-v1\u0000');
const COMMIT = utf8ToBytes('qp-selection-commit-v1\u0000');
const RETEST = utf8ToBytes('qp-retest-lab-v1\u0000');

export function entryBytes(entry) {
  const fields = [
    entry.unit_id,
    String(entry.stratum),
    String(entry.rank),
    entry.inspectors.join('\u001e'),
    entry.lab,
  ];
  return utf8ToBytes(fields.join('\u001f'));
}

export function salts(key, count) {
  if (count === 0) return [];
  const stream = shake256(concatBytes(SALT, key), { dkLen: 32 * count });
  return Array.from({ length: count }, (_, i) => stream.subarray(32 * i, 32 * i + 32));
}

export function leaf(salt, entry) {
  return sha256(concatBytes(LEAF, salt, entryBytes(entry)));
}

export function commitmentOfLeaves(leaves) {
  return bytesToHex(sha256(concatBytes(COMMIT, ...leaves)));
}

export function commit(selection, key) {
  const s = salts(key, selection.length);
  return commitmentOfLeaves(selection.map((entry, i) => leaf(s[i], entry)));
}

export function seedMatches(seedHex, commitment) {
  return bytesToHex(sha256(hexToBytes(seedHex))) === commitment;
}

// A record from GET /public/draws/{id}/verification. Returns the list of problems found.
export function verifyRecord(record) {
  const problems = [];
  if (!seedMatches(record.seed, record.seed_commitment)) {
    problems.push('the seed does not match the seed commitment');
  }
  if (record.disclosure === 'partial') {
    const leaves = record.leaves.map(hexToBytes);
    if (leaves.length !== record.selected_count) {
      problems.push('the number of leaves differs from the selected count');
    }
    if (commitmentOfLeaves(leaves) !== record.selection_commitment) {
      problems.push('the published leaves do not match the selection commitment');
    }
    for (const entry of record.selection) {
      const expected = leaves[entry.index];
      if (!expected || bytesToHex(leaf(hexToBytes(entry.salt), entry)) !== bytesToHex(expected)) {
        problems.push(`revealed entry ${entry.index} (${entry.unit_id}) does not match`);
      }
    }
  } else if (record.selection_commitment) {
    if (commit(record.selection, hexToBytes(record.selection_key)) !== record.selection_commitment) {
      problems.push('the published selection does not match the selection commitment');
    }
  }
  return problems;
}

// retest-lab-v1: the lab drawn among sorted(candidates) for the task.
export function drawRetestLab(seedHex, taskId, candidates) {
  const ordered = [...new Set(candidates)].sort();
  const n = BigInt(ordered.length);
  if (n === 0n) throw new Error('no candidate lab');
  const two64 = 1n << 64n;
  const limit = two64 - (two64 % n);
  const input = concatBytes(RETEST, hexToBytes(seedHex), utf8ToBytes(taskId));
  let length = 64;
  let offset = 0;
  let chunk = shake256(input, { dkLen: length });
  for (;;) {
    if (offset + 8 > chunk.length) {
      length = chunk.length * 2 + 64;
      chunk = shake256(input, { dkLen: length });
    }
    let x = 0n;
    for (let i = 0; i < 8; i++) x = (x << 8n) | BigInt(chunk[offset + i]);
    offset += 8;
    if (x < limit) return ordered[Number(x % n)];
  }
}
