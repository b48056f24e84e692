#!/usr/bin/env node
// node cli.mjs draw.json          -> checks a publicity record (exit 0 match, 1 mismatch);
//                                    a re-test lab record (algorithm retest-lab-*) likewise
// node cli.mjs --vectors v.json   -> checks the published test vectors
// node cli.mjs --log log.json      -> checks a transparency log (entries array or a page)
// node cli.mjs draw.json --log log.json -> also checks the draw's late exclusions against it
// node cli.mjs draw.json --snapshot s.json -> also recomputes the draw: the selected units (step 3),
//                                    their teams and labs, the result digest (complete record)
import { readFileSync } from 'node:fs';
import {
  assignTeams, checkLateExclusionLog, checkTeams, commit, computeDraw, selectUnits, snapshotHashOf, contributionCommitment, drawRetestLab, drawSeed, verifyLog,
  verifyRecord, verifyRetestLab,
} from './verifier.mjs';
import { hexToBytes } from '@noble/hashes/utils.js';

const args = process.argv.slice(2);
if (args[0] === '--vectors') {
  const vectors = JSON.parse(readFileSync(args[1], 'utf8'));
  let bad = 0;
  for (const v of vectors.selection_commitment) {
    const got = commit(v.selection, hexToBytes(v.key));
    if (got !== v.commitment) { bad++; console.log(`MISMATCH selection ${v.name}: ${got}`); }
  }
  for (const v of vectors.retest_lab) {
    const got = drawRetestLab(v.seed, v.task_id, v.candidates);
    if (got !== v.lab) { bad++; console.log(`MISMATCH retest ${v.name}: ${got}`); }
  }
  for (const v of vectors.retest_lab_v2 || []) {
    const problems = verifyRetestLab(v);
    if (problems.length) { bad++; console.log(`MISMATCH retest v2 ${v.name}: ${problems.join('; ')}`); }
  }
  for (const v of vectors.teams || []) {
    let got;
    try {
      got = assignTeams(v.snapshot, v.draw_seed, v.snapshot_hash, v.selection, v.recusals);
    } catch (err) {
      got = err.message;
    }
    if (snapshotHashOf(v.snapshot) !== v.snapshot_hash || JSON.stringify(got) !== JSON.stringify(v.selection)) {
      bad++;
      console.log(`MISMATCH teams ${v.name}: ${JSON.stringify(got)}`);
    }
  }
  for (const v of vectors.draws || []) {
    let got;
    let strata;
    try {
      const late = v.late_exclusions.map((e) => e.unit_id);
      got = computeDraw(v.snapshot, v.draw_seed, v.snapshot_hash, late, v.recusals);
      strata = selectUnits(v.snapshot, v.draw_seed, v.snapshot_hash, late).strata;
    } catch (err) {
      got = { error: err.message };
    }
    if (snapshotHashOf(v.snapshot) !== v.snapshot_hash || JSON.stringify(got.selection) !== JSON.stringify(v.selection)
      || got.result_digest !== v.result_digest || JSON.stringify(strata) !== JSON.stringify(v.strata)) {
      bad++;
      console.log(`MISMATCH draw ${v.name}: ${JSON.stringify(got)}`);
    }
  }
  for (const v of vectors.draw_seed || []) {
    const wrong = v.contributions.filter((c) => contributionCommitment(c.value) !== c.commitment);
    const got = drawSeed(v.seed, v.snapshot_hash, v.contributions);
    if (wrong.length || got !== v.draw_seed) { bad++; console.log(`MISMATCH draw seed ${v.name}: ${got}`); }
  }
  for (const v of vectors.transparency_log || []) {
    const { problems, head } = verifyLog(v.entries);
    if (problems.length || head.entry_hash !== v.head.entry_hash || head.seq !== v.head.seq) {
      bad++;
      console.log(`MISMATCH transparency log ${v.name}: ${problems.join('; ')}`);
    }
  }
  console.log(bad ? `${bad} vectors differ` : 'MATCH: all vectors');
  process.exit(bad ? 1 : 0);
}
if (args[0] === '--log') {
  const data = JSON.parse(readFileSync(args[1], 'utf8'));
  const { problems, head } = verifyLog(Array.isArray(data) ? data : data.entries);
  if (problems.length) {
    console.log('INCONSISTENT: transparency log');
    for (const p of problems) console.log(`  - ${p}`);
    process.exit(1);
  }
  console.log(`CONSISTENT: head ${head.seq}:${head.entry_hash}`);
  process.exit(0);
}
const record = JSON.parse(readFileSync(args[0], 'utf8'));
if (String(record.algorithm || '').startsWith('retest-lab-')) {
  const problems = verifyRetestLab(record);
  if (problems.length) {
    console.log(`MISMATCH: re-test lab of task ${record.task_id}`);
    for (const p of problems) console.log(`  - ${p}`);
    process.exit(1);
  }
  console.log(`MATCH: re-test lab ${record.lab_id} of task ${record.task_id} (${record.algorithm})`);
  process.exit(0);
}
const problems = verifyRecord(record);
for (let i = 1; i + 1 < args.length; i += 2) {
  if (args[i] === '--log') {
    const data = JSON.parse(readFileSync(args[i + 1], 'utf8'));
    problems.push(...checkLateExclusionLog(record, Array.isArray(data) ? data : data.entries));
  } else if (args[i] === '--snapshot') {
    problems.push(...checkTeams(record, new Uint8Array(readFileSync(args[i + 1]))));
  } else {
    console.log(`unknown option ${args[i]}`);
    process.exit(2);
  }
}
if (problems.length) {
  console.log(`MISMATCH: draw ${record.draw_id}`);
  for (const p of problems) console.log(`  - ${p}`);
  process.exit(1);
}
const recomputed = args.includes('--snapshot') ? '; units, teams, labs and result digest recomputed from the snapshot' : '';
console.log(`MATCH: draw ${record.draw_id} (${record.disclosure}): ${record.selection.length} entries match the selection commitment${recomputed}`);
