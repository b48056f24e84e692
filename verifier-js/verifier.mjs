// Independent verifier of the inspection service's publicity records (docs/draw-spec.md).
// An ES module: import it in a browser (with an import map for @noble/hashes) or in Node.
// It re-implements, from the specification and not from the Python code:
//   - qp-selection-v1: the commitment to a draw's ordered selection, partial or complete;
//   - retest-lab-v2 (and v1): the random choice of the re-test lab from the draw seed;
//   - the seed commitment (SHA-256 of the revealed seed);
//   - qp-draw-seed-v1: contributions of other parties and the draw seed they give;
//   - qp-transparency-v1: the hash chain of the public transparency log;
//   - es-shake256-v2 step 3: the Efraimidis-Spirakis weighted selection of units per stratum
//     (exact key order, late exclusions removed), and the result digest of the selection;
//   - es-shake256-v2 step 4: the teams (joint plans: one member of each department first) and
//     labs of the selection, from the snapshot document and the draw seed;
//   - qp-late-exclusions-v1: the late exclusions against their leaves, the commitment the
//     draw logged and the log entries that recorded them before the draw.
import { sha256 } from '@noble/hashes/sha2.js';
import { shake256 } from '@noble/hashes/sha3.js';
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';

const SALT = utf8ToBytes('qp-selection-salt-v1\u0000');
const LEAF = utf8ToBytes('qp-selection-leaf-v1\u0000');
const COMMIT = utf8ToBytes('qp-selection-commit-v1\u0000');
const RETEST = {
  'retest-lab-v1': utf8ToBytes('qp-retest-lab-v1\u0000'),
  'retest-lab-v2': utf8ToBytes('qp-retest-lab-v2\u0000'),
};
const CONTRIBUTION = utf8ToBytes('qp-draw-contribution-v1\u0000');
const DRAW_SEED = utf8ToBytes('qp-draw-seed-v1\u0000');
const LOG_ENTRY = utf8ToBytes('qp-transparency-v1\u0000');
const LATE_LEAF = utf8ToBytes('qp-late-exclusion-leaf-v1\u0000');
const LATE_COMMIT = utf8ToBytes('qp-late-exclusions-v1\u0000');
const GENESIS = '0'.repeat(64);

// qp-draw-seed-v1 (docs/draw-spec.md section 6)
export function contributionCommitment(valueHex) {
  const value = hexToBytes(valueHex);
  if (value.length !== 32) throw new Error('a contribution is exactly 32 bytes');
  return bytesToHex(sha256(concatBytes(CONTRIBUTION, value)));
}

// Code-point order of the ids (the ids are ASCII, so UTF-16 order is the same).
export function drawSeed(seedHex, snapshotHashHex, contributions) {
  const ordered = [...contributions].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const parts = [DRAW_SEED, hexToBytes(seedHex), hexToBytes(snapshotHashHex)];
  for (const c of ordered) parts.push(hexToBytes(c.value));
  return bytesToHex(sha256(concatBytes(...parts)));
}

export function checkContributions(record) {
  const problems = [];
  const contributions = record.contributions || [];
  for (const c of contributions) {
    if (!c.value || contributionCommitment(c.value) !== c.commitment) {
      problems.push(`contribution ${c.id} does not match its commitment`);
    }
  }
  if (!problems.length && record.draw_seed) {
    if (drawSeed(record.seed, record.snapshot_hash, contributions) !== record.draw_seed) {
      problems.push('the draw seed is not the combination of the seed and the contributions');
    }
  }
  return problems;
}

// qp-transparency-v1 (docs/draw-spec.md section 8). JSON canonical form: keys sorted,
// no spaces, non-ASCII as is (the payloads hold strings, integers, booleans and null).
export function canonicalJson(value) {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

// The snapshot hash of a document given as an object (integers and strings only, as in the
// vectors; a served document is hashed as the bytes it came in).
export function snapshotHashOf(doc) {
  return bytesToHex(sha256(utf8ToBytes(canonicalJson(doc))));
}

export function entryHash(e) {
  const fields = [String(e.seq), e.at, e.kind, e.subject, e.payload_hash, e.prev_hash];
  return bytesToHex(sha256(concatBytes(LOG_ENTRY, utf8ToBytes(fields.join('\u001f')))));
}

export function verifyLog(entries) {
  const problems = [];
  let prevSeq = 0;
  let prevHash = GENESIS;
  let prevAt = '';
  for (const e of entries) {
    if (e.seq !== prevSeq + 1) problems.push(`entry ${e.seq}: expected sequence ${prevSeq + 1}`);
    if (e.prev_hash !== prevHash) problems.push(`entry ${e.seq}: does not link to the entry before it`);
    if (bytesToHex(sha256(utf8ToBytes(canonicalJson(e.payload)))) !== e.payload_hash) {
      problems.push(`entry ${e.seq}: the payload does not match its hash`);
    }
    if (entryHash(e) !== e.entry_hash) problems.push(`entry ${e.seq}: the entry hash does not match`);
    if (e.at < prevAt) problems.push(`entry ${e.seq}: timestamp earlier than the entry before it`);
    prevSeq = e.seq;
    prevHash = e.entry_hash;
    prevAt = e.at;
  }
  return { problems, head: { seq: prevSeq, entry_hash: prevHash } };
}

// qp-late-exclusions-v1 (docs/draw-spec.md section 7)
export function lateLeaf(saltHex, entry) {
  const salt = hexToBytes(saltHex);
  if (salt.length !== 32) throw new Error("a late exclusion's salt is 32 bytes");
  const core = { unit_id: entry.unit_id, rule: entry.rule, cause: entry.cause };
  return bytesToHex(sha256(concatBytes(LATE_LEAF, salt, utf8ToBytes(canonicalJson(core)))));
}

export function lateCommitment(leaves) {
  return bytesToHex(sha256(concatBytes(LATE_COMMIT, ...leaves.map(hexToBytes))));
}

export function checkLateExclusions(record, complete) {
  const published = record.late_exclusions || [];
  if (record.late_exclusions_commitment == null) {
    return published.some((e) => 'salt' in e || 'leaf' in e)
      ? ['late exclusions with salts but no late-exclusion commitment'] : [];
  }
  const leaves = record.late_exclusion_leaves || [];
  const problems = [];
  if (lateCommitment(leaves) !== record.late_exclusions_commitment) {
    problems.push('the late-exclusion leaves do not match their commitment');
  }
  const seen = new Set();
  for (const e of published) {
    let ok = Number.isInteger(e.index) && e.index >= 0 && e.index < leaves.length;
    try {
      ok = ok && lateLeaf(e.salt || '', e) === leaves[e.index];
    } catch {
      ok = false;
    }
    if (!ok) problems.push(`late exclusion of ${e.unit_id} does not match its leaf`);
    else if (seen.has(e.index)) problems.push(`late exclusion ${e.index} is published twice`);
    seen.add(e.index);
  }
  if (complete && seen.size !== leaves.length) {
    problems.push(`the record reveals ${seen.size} of ${leaves.length} committed late exclusions`);
  }
  return problems;
}

// The late exclusions against the transparency log: the draw's entry commits to the record's
// list, and each leaf was logged for the snapshot before the draw.
export function checkLateExclusionLog(record, entries) {
  const mine = entries.filter((e) => (e.kind === 'draw' || e.kind === 'redraw') && e.subject === record.draw_id);
  if (!mine.length) return [`the log has no entry for draw ${record.draw_id}`];
  const draw = mine[0];
  const problems = [];
  if (bytesToHex(sha256(utf8ToBytes(canonicalJson(draw.payload)))) !== draw.payload_hash) {
    problems.push("the draw's log entry does not match its hash");
  }
  const logged = (draw.payload || {}).late_exclusions_commitment;
  const recorded = record.late_exclusions_commitment;
  if (logged == null && recorded == null) return problems;
  if (logged !== recorded) {
    problems.push('the draw record\'s late exclusions differ from those the draw logged');
  }
  const before = new Map();
  for (const e of entries) {
    const p = e.payload || {};
    if (e.kind === 'late_exclusion' && p.snapshot_id === record.snapshot_id && e.seq < draw.seq) {
      before.set(p.leaf, e.seq);
    }
  }
  const leaves = record.late_exclusion_leaves || [];
  leaves.forEach((x, i) => {
    if (!before.has(x)) problems.push(`late exclusion ${i} was not logged for the snapshot before the draw`);
  });
  const bySeq = new Map(entries.map((e) => [e.seq, e]));
  for (const e of record.late_exclusions || []) {
    const at = bySeq.get(e.log_seq);
    if (!at || !Number.isInteger(e.index) || e.index < 0 || e.index >= leaves.length) continue;
    if (at.kind !== 'late_exclusion' || (at.payload || {}).leaf !== leaves[e.index]) {
      problems.push(`late exclusion of ${e.unit_id}: log entry ${at.seq} differs`);
    }
  }
  return problems;
}

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
  problems.push(...checkContributions(record));
  problems.push(...checkLateExclusions(record, record.disclosure !== 'partial'));
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

// retest-lab-v1 / v2 (docs/draw-spec.md section 3): the lab drawn among the distinct
// candidates in code-point order (the lab ids are ASCII, so UTF-16 order is the same). v1 reads
// the stream of the server's seed, v2 that of the plan's draw seed.
export function drawRetestLab(seedHex, taskId, candidates, algorithm = 'retest-lab-v1') {
  const prefix = RETEST[algorithm];
  if (!prefix) throw new Error(`unknown algorithm ${algorithm}`);
  const ordered = [...new Set(candidates)].sort();
  const n = BigInt(ordered.length);
  if (n === 0n) throw new Error('no candidate lab');
  const two64 = 1n << 64n;
  const limit = two64 - (two64 % n);
  const input = concatBytes(prefix, hexToBytes(seedHex), utf8ToBytes(taskId));
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

// A record from GET /public/tasks/{task_id}/retest-lab. Returns the list of problems found.
export function verifyRetestLab(record) {
  const problems = [];
  const candidates = record.candidates || [];
  if (!candidates.length) return ['the record lists no candidate lab'];
  if (record.lab_id === record.first_lab_id) problems.push('the re-test lab is the first lab');
  if (candidates.includes(record.first_lab_id)) problems.push('the first lab is among the candidates');
  if (!candidates.includes(record.lab_id)) problems.push(`the re-test lab ${record.lab_id} is not a candidate`);
  if (record.seed_commitment !== undefined && !seedMatches(record.seed, record.seed_commitment)) {
    problems.push('the seed does not match the seed commitment');
  }
  let seed = record.seed;
  if (record.algorithm === 'retest-lab-v2') {
    const contributions = record.contributions || [];
    for (const c of contributions) {
      if (!c.value || contributionCommitment(c.value) !== c.commitment) {
        return [...problems, `contribution ${c.id} does not match its commitment`];
      }
    }
    seed = contributions.length ? drawSeed(record.seed, record.snapshot_hash, contributions) : record.seed;
    if (seed !== record.draw_seed) {
      return [...problems, 'the draw seed is not the combination of the seed and the contributions'];
    }
  } else if (record.algorithm !== 'retest-lab-v1') {
    return [...problems, `unknown algorithm ${record.algorithm}`];
  }
  const expected = drawRetestLab(seed, record.task_id, candidates, record.algorithm);
  if (expected !== record.lab_id) problems.push(`the draw gives ${expected}, the record names ${record.lab_id}`);
  return problems;
}

// es-shake256-v2 step 4 (services/inspection/domain/draw_v2.py, docs/draw-spec.md section 9):
// teams and labs for the units in selection order. The streams are SHAKE-256 of
// "es-shake256-v2" || 0x00 || purpose || 0x00 || S || H, read as 8-byte big-endian words;
// S is the draw seed (the server's seed when the snapshot lists no contributions), H the raw
// snapshot hash.
const V2 = utf8ToBytes('es-shake256-v2\u0000');
const TWO64 = 1n << 64n;

class WordStream {
  constructor(purpose, seedHex, snapshotHashHex) {
    this.xof = shake256.create({});
    this.xof.update(concatBytes(V2, utf8ToBytes(purpose), new Uint8Array([0]),
      hexToBytes(seedHex), hexToBytes(snapshotHashHex)));
    this.buffer = new Uint8Array(0);
    this.offset = 0;
  }

  take() {
    if (this.offset + 8 > this.buffer.length) {
      this.buffer = this.xof.xof(512);
      this.offset = 0;
    }
    let x = 0n;
    for (let i = 0; i < 8; i++) x = (x << 8n) | BigInt(this.buffer[this.offset + i]);
    this.offset += 8;
    return x;
  }
}

// k distinct candidates, uniformly without replacement (no modulo bias), in drawing order.
export function pickUniform(stream, candidates, k) {
  const m = BigInt(candidates.length);
  if (k > candidates.length) throw new Error('fewer candidates than places');
  const limit = TWO64 - (TWO64 % m);
  const chosen = [];
  while (chosen.length < k) {
    const v = stream.take();
    if (v < limit) {
      const c = candidates[Number(v % m)];
      if (!chosen.includes(c)) chosen.push(c);
    }
  }
  return chosen;
}

// Candidates before recusals (step 4): inspectors whose expertise covers the category, outside
// the unit's region prefix when the plan requires cross-region teams; labs accredited for it.
function regionPrefix(plan, region) {
  return plan.cross_region_teams ? region.slice(0, plan.region_granularity) : null;
}

function inspectorCandidates(doc, category, prefix) {
  const ins = doc.inspectors;
  const g = doc.plan.region_granularity;
  return ins.inspector_id.filter((id, i) => ins.expertise[i].includes(category)
    && (prefix === null || ins.region_code[i].slice(0, g) !== prefix));
}

function labCandidatesOf(doc, category) {
  return doc.labs.lab_id.filter((id, i) => doc.labs.categories[i].includes(category));
}

// The recusals of the drawn units as the snapshot committed them (docs/draw-spec.md section
// 7): per unit in selection order, its enterprise's inspectors that are candidates with reason
// conflict_of_interest, then inspected_recently, then its labs that are candidates.
export function unitRecusals(doc, selection) {
  const byUscc = new Map();
  for (const r of doc.committed_recusals || []) {
    if (!byUscc.has(r.enterprise_uscc)) byUscc.set(r.enterprise_uscc, []);
    byUscc.get(r.enterprise_uscc).push(r);
  }
  const units = doc.units;
  const position = new Map(units.unit_id.map((u, i) => [u, i]));
  const found = [];
  for (const entry of selection) {
    const pos = position.get(entry.unit_id);
    const rows = pos === undefined ? null : byUscc.get(units.enterprise_uscc[pos]);
    if (!rows) continue;
    const category = units.product_category[pos];
    const inspectors = new Set(inspectorCandidates(doc, category, regionPrefix(doc.plan, units.region_code[pos])));
    const labs = new Set(labCandidatesOf(doc, category));
    for (const reason of ['conflict_of_interest', 'inspected_recently']) {
      for (const r of rows) {
        if (r.kind === 'inspector' && r.reason === reason && inspectors.has(r.id)) {
          found.push({ unit_id: entry.unit_id, kind: 'inspector', id: r.id, reason });
        }
      }
    }
    for (const r of rows) {
      if (r.kind === 'lab' && labs.has(r.id)) {
        found.push({ unit_id: entry.unit_id, kind: 'lab', id: r.id, reason: r.reason });
      }
    }
  }
  return found;
}

// order: [{unit_id, stratum, rank}] in selection order; recusals: the draw record's.
// Returns [{unit_id, stratum, rank, inspectors, lab}]; throws where the draw would refuse.
export function assignTeams(doc, drawSeedHex, snapshotHashHex, order, recusals = []) {
  const plan = doc.plan;
  const teamSize = plan.team_size;
  const departments = plan.departments || [];
  const ins = doc.inspectors;
  const units = doc.units;
  const position = new Map(units.unit_id.map((u, i) => [u, i]));
  const recused = new Map();
  for (const r of recusals) {
    const key = `${r.kind}\u0000${r.unit_id}`;
    if (!recused.has(key)) recused.set(key, new Set());
    recused.get(key).add(r.id);
  }
  const teams = new WordStream('team', drawSeedHex, snapshotHashHex);
  const labStream = new WordStream('lab', drawSeedHex, snapshotHashHex);
  return order.map((entry) => {
    const pos = position.get(entry.unit_id);
    if (pos === undefined) throw new Error(`unit ${entry.unit_id} is not in the snapshot`);
    const category = units.product_category[pos];
    const prefix = regionPrefix(plan, units.region_code[pos]);
    const noInspector = recused.get(`inspector\u0000${entry.unit_id}`) || new Set();
    const noLab = recused.get(`lab\u0000${entry.unit_id}`) || new Set();
    const candidates = inspectorCandidates(doc, category, prefix).filter((id) => !noInspector.has(id));
    const labCandidates = labCandidatesOf(doc, category).filter((id) => !noLab.has(id));
    if (candidates.length < teamSize) throw new Error(`too few inspectors for unit ${entry.unit_id}`);
    if (!labCandidates.length) throw new Error(`no eligible lab for unit ${entry.unit_id}`);
    let team = [];
    if (departments.length) {
      const departmentOf = new Map(ins.inspector_id.map((id, i) => [id, (ins.department || [])[i]]));
      for (const department of departments) {
        const own = candidates.filter((id) => departmentOf.get(id) === department);
        if (!own.length) throw new Error(`no inspector of department ${department} for unit ${entry.unit_id}`);
        team.push(...pickUniform(teams, own, 1));
      }
      const rest = candidates.filter((id) => !team.includes(id));
      team = team.concat(pickUniform(teams, rest, teamSize - team.length));
    } else {
      team = pickUniform(teams, candidates, teamSize);
    }
    const lab = pickUniform(labStream, labCandidates, 1)[0];
    return { unit_id: entry.unit_id, stratum: entry.stratum, rank: entry.rank, inspectors: team, lab };
  });
}

// es-shake256-v2 step 3 (draw_v2.py module docstring, docs/draw-spec.md section 9): per
// stratum, the units with the largest keys u**(1/w), u = (2x+1)/2**53, x = W_unit[p] >> 12.

// Code-point order (Python's str order): UTF-16 order except that surrogates (code points
// above U+FFFF) sort after every other BMP character.
function codePointCompare(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let ca = a.charCodeAt(i);
    let cb = b.charCodeAt(i);
    if (ca !== cb) {
      if (ca >= 0xd800 && cb >= 0xd800) {
        ca = ca >= 0xe000 ? ca - 0x800 : ca + 0x2000;
        cb = cb >= 0xe000 ? cb - 0x800 : cb + 0x2000;
      }
      return ca - cb;
    }
  }
  return a.length - b.length;
}

// The units table in canonical order (itself when it already is), as the Python draw sorts it.
export function canonicalUnits(units) {
  const ids = units.unit_id;
  let sorted = true;
  for (let i = 1; i < ids.length && sorted; i++) sorted = codePointCompare(ids[i - 1], ids[i]) < 0;
  if (sorted) return units;
  if (new Set(ids).size !== ids.length) throw new Error('the snapshot lists a unit id twice');
  const order = ids.map((_, i) => i).sort((a, b) => codePointCompare(ids[a], ids[b]));
  return Object.fromEntries(Object.entries(units).map(([k, v]) => [k, order.map((i) => v[i])]));
}

// x_p for positions 0 .. count-1 (exact: 52 bits fit a double).
export function unitDraws(drawSeedHex, snapshotHashHex, count) {
  const seed = hexToBytes(drawSeedHex);
  const hash = hexToBytes(snapshotHashHex);
  if (seed.length !== 32) throw new Error('the seed must be 32 bytes');
  if (hash.length !== 32) throw new Error('the snapshot hash must be a hex SHA-256');
  if (count === 0) return [];
  const input = concatBytes(V2, utf8ToBytes('unit'), new Uint8Array([0]), seed, hash);
  const out = shake256(input, { dkLen: 8 * count });
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  return Array.from({ length: count }, (_, p) => Number(view.getBigUint64(8 * p, false) >> 12n));
}

// A ratio as Python reads it (Decimal(str) for a string, Decimal(float), exact, for a JSON
// number): [coefficient, exponent] with value coefficient * 10**exponent.
function decimalOf(value) {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`invalid stratum ratio ${value}`);
    if (Number.isInteger(value)) return [BigInt(value), 0];
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, value);
    const bits = view.getBigUint64(0);
    const sign = bits >> 63n ? -1n : 1n;
    const biased = Number((bits >> 52n) & 0x7ffn);
    let mantissa = bits & ((1n << 52n) - 1n);
    if (biased) mantissa |= 1n << 52n;
    const e = (biased || 1) - 1075; // value = mantissa * 2**e, e < 0 for a non-integer
    return [sign * mantissa * 5n ** BigInt(-e), e];
  }
  if (typeof value !== 'string') throw new Error(`invalid stratum ratio ${JSON.stringify(value)}`);
  const digits = String.raw`\d+(?:_\d+)*`;
  const m = new RegExp(`^([+-]?)(${digits})?(?:\\.(${digits})?)?(?:[eE]([+-]?${digits}))?$`)
    .exec(value.trim());
  if (!m || (m[2] === undefined && m[3] === undefined)) throw new Error(`invalid stratum ratio ${value}`);
  const whole = (m[2] || '').replaceAll('_', '');
  const frac = (m[3] || '').replaceAll('_', '');
  const coef = BigInt((m[1] === '-' ? '-' : '') + (whole + frac || '0'));
  return [coef, Number((m[4] || '0').replaceAll('_', '')) - frac.length];
}

// Python's Decimal arithmetic rounds a product to 28 significant digits (half even).
const DECIMAL_PREC = 28;

function roundHalfEven(coef, exp) {
  const digits = (coef < 0n ? -coef : coef).toString().length;
  if (digits <= DECIMAL_PREC) return [coef, exp];
  const drop = 10n ** BigInt(digits - DECIMAL_PREC);
  let q = coef / drop;
  const r = coef % drop;
  const twice = 2n * (r < 0n ? -r : r);
  if (twice > drop || (twice === drop && q % 2n !== 0n)) q += coef < 0n ? -1n : 1n;
  return [q, exp + (digits - DECIMAL_PREC)];
}

// The stratum's target: its size, or ceil(ratio * available) as Python's Decimal computes
// it; never more than available.
export function stratumTarget(stratum, available) {
  const hasSize = stratum.size !== undefined && stratum.size !== null;
  const hasRatio = stratum.ratio !== undefined && stratum.ratio !== null;
  if (hasSize === hasRatio) throw new Error('a stratum has either a size or a ratio');
  let wanted;
  if (hasSize) {
    if (!Number.isInteger(stratum.size) || stratum.size < 1) throw new Error('stratum size must be at least 1');
    wanted = BigInt(stratum.size);
  } else {
    const [rc, re] = decimalOf(stratum.ratio);
    // 0 < ratio <= 1, compared exactly
    const one = re >= 0 ? rc * 10n ** BigInt(re) <= 1n : rc <= 10n ** BigInt(-re);
    if (rc <= 0n || !one) throw new Error('stratum ratio must be in (0, 1]');
    const [c, e] = roundHalfEven(rc * BigInt(available), re);
    if (e >= 0) wanted = c * 10n ** BigInt(e);
    else {
      const scale = 10n ** BigInt(-e);
      wanted = c / scale + (c % scale > 0n ? 1n : 0n);
    }
  }
  return Number(wanted < BigInt(available) ? wanted : BigInt(available));
}

// Float keys only pre-sort; keys closer than this are ordered by the exact comparison
// (the error of log(u)/w is far below it).
const KEY_EPS = 1e-9;

// Descending key, exactly: k_a > k_b iff (2xa+1)**wb * 2**(53wa) > (2xb+1)**wa * 2**(53wb);
// equal keys: smaller position first.
function exactCompare(xs, ws, a, b) {
  const xa = BigInt(xs[a]);
  const xb = BigInt(xs[b]);
  const wa = BigInt(ws[a]);
  const wb = BigInt(ws[b]);
  const left = (2n * xa + 1n) ** wb << (53n * wa);
  const right = (2n * xb + 1n) ** wa << (53n * wb);
  if (left !== right) return left > right ? -1 : 1;
  return a - b;
}

// Of the units at positions, those with the n largest keys, best first.
export function topWeighted(positions, xs, ws, n) {
  n = Math.min(n, positions.length);
  if (n <= 0) return [];
  const key = new Map(positions.map((p) => [p, Math.log((2 * xs[p] + 1) * 2 ** -53) / ws[p]]));
  const order = [...positions].sort((a, b) => key.get(b) - key.get(a) || a - b);
  const threshold = key.get(order[n - 1]);
  const out = [];
  let run = [];
  const flush = () => {
    if (run.length > 1) run.sort((a, b) => exactCompare(xs, ws, a, b));
    out.push(...run);
  };
  for (const p of order) {
    if (key.get(p) < threshold - KEY_EPS) break;
    if (run.length && key.get(run[run.length - 1]) - key.get(p) > KEY_EPS) {
      flush();
      run = [];
    }
    run.push(p);
  }
  flush();
  return out.slice(0, n);
}

// Step 3: [{unit_id, stratum, rank}] in selection order, and {stratum, available, target}
// per stratum. lateExcluded: unit ids (those not in the snapshot are ignored, as in Python).
export function selectUnits(doc, drawSeedHex, snapshotHashHex, lateExcluded = []) {
  const units = canonicalUnits(doc.units);
  const strata = doc.plan.sampling.strata;
  const stratumOf = new Map();
  strata.forEach((s, si) => s.risk_classes.forEach((c) => stratumOf.set(c, si)));
  const late = new Set(lateExcluded);
  const ws = units.weight;
  const members = strata.map(() => []);
  units.unit_id.forEach((id, p) => {
    const si = stratumOf.get(units.risk_class[p]);
    if (si === undefined || late.has(id)) return;
    if (!Number.isInteger(ws[p]) || ws[p] < 1) throw new Error(`unit ${id}: the weight is not an integer >= 1`);
    members[si].push(p);
  });
  const xs = unitDraws(drawSeedHex, snapshotHashHex, units.unit_id.length);
  const order = [];
  const summaries = [];
  strata.forEach((s, si) => {
    const target = stratumTarget(s, members[si].length);
    summaries.push({ stratum: si, available: members[si].length, target });
    topWeighted(members[si], xs, ws, target).forEach((p, i) => {
      order.push({ unit_id: units.unit_id[p], stratum: si, rank: i + 1 });
    });
  });
  return { order, strata: summaries };
}

export function resultDigest(selection) {
  return bytesToHex(sha256(utf8ToBytes(canonicalJson(selection))));
}

// The whole draw (steps 3 to 5) from the snapshot document, the draw seed and the draw record's
// late exclusions and recusals (ignored when the snapshot commits the recusals: then derived
// from the selection, as the Python draw does). Returns {selection, result_digest, recusals}.
export function computeDraw(doc, drawSeedHex, snapshotHashHex, lateExcluded = [], recusals = []) {
  const { order } = selectUnits(doc, drawSeedHex, snapshotHashHex, lateExcluded);
  const used = 'committed_recusals' in doc ? unitRecusals(doc, order) : recusals;
  const selection = assignTeams(doc, drawSeedHex, snapshotHashHex, order, used);
  return { selection, result_digest: resultDigest(selection), recusals: used };
}

function describe(e) {
  return e ? `${e.unit_id} (stratum ${e.stratum}, rank ${e.rank})` : 'nothing';
}

// A complete record against its snapshot document (the bytes as served): the snapshot hash,
// the contributions the snapshot lists, the selection of units (step 3) recomputed with the
// record's late exclusions, each entry's team and lab, and the result digest.
export function checkTeams(record, snapshotBytes) {
  const problems = [];
  if (record.disclosure === 'partial') {
    return ['a partial record: the draw is recomputed once the whole selection is public'];
  }
  if (bytesToHex(sha256(snapshotBytes)) !== record.snapshot_hash) {
    return ['the snapshot does not match the snapshot hash published before the draw'];
  }
  const doc = JSON.parse(new TextDecoder().decode(snapshotBytes));
  const listed = ((doc.contributions || {}).committed || []).map((c) => c.id).sort();
  const revealed = (record.contributions || []).map((c) => c.id).sort();
  if (listed.join() !== revealed.join()) {
    return [...problems, 'the record\'s contributions are not those the snapshot lists'];
  }
  const seed = listed.length ? record.draw_seed : record.seed;
  const late = (record.late_exclusions || []).map((e) => e.unit_id);
  let expected;
  try {
    expected = computeDraw(doc, seed, record.snapshot_hash, late, record.recusals || []);
  } catch (err) {
    return [...problems, `the draw cannot be recomputed: ${err.message}`];
  }
  if ('committed_recusals' in doc && canonicalJson(expected.recusals) !== canonicalJson(record.recusals || [])) {
    problems.push('the draw record\'s recusals differ from those committed in the snapshot');
  }
  const published = record.selection || [];
  if (published.length !== expected.selection.length) {
    problems.push(`the record publishes ${published.length} units, the draw selects ${expected.selection.length}`);
  }
  published.forEach((entry, i) => {
    const want = expected.selection[i];
    if (!want || entry.unit_id !== want.unit_id || entry.stratum !== want.stratum || entry.rank !== want.rank) {
      problems.push(`entry ${i}: published ${describe(entry)}, recomputed ${describe(want)}`);
    } else if ((entry.inspectors || []).join('\u001e') !== want.inspectors.join('\u001e')) {
      problems.push(`unit ${entry.unit_id}: published team ${entry.inspectors}, recomputed ${want.inspectors}`);
    } else if (entry.lab !== want.lab) {
      problems.push(`unit ${entry.unit_id}: published lab ${entry.lab}, recomputed ${want.lab}`);
    }
  });
  if (record.result_digest != null && record.result_digest !== expected.result_digest) {
    problems.push('the result digest does not match the recomputed selection');
  }
  return problems;
}
