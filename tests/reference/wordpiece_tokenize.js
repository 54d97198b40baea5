#!/usr/bin/env node
// WordPiece tokens of a MolT5 mol2cap predictions file from Hugging Face
// `tokenizers` (the Rust library behind BertTokenizerFast), set up exactly as
// for our fixtures, for the Python baseline in bench_eval.sh. Needs
// `npm ci` in tests/reference.
//
//   node tests/reference/wordpiece_tokenize.js VOCAB.txt PRED.tsv OUT.json
const fs = require('fs');
const path = require('path');
const { buildTokenizer, FILTERED } = require(path.join(__dirname, 'make_wordpiece_fixtures.js'));

async function main() {
  const [vocab, predictions, out] = process.argv.slice(2);
  const tokenizer = buildTokenizer(vocab);
  const lines = fs.readFileSync(predictions, 'utf8').split('\n').slice(1).filter((line) => line.length > 0);
  const tokens = async (text) =>
    (await tokenizer.encode(text, null, { addSpecialTokens: false })).getTokens().filter((t) => !FILTERED.has(t));
  const rows = [];
  for (const line of lines) {
    const [, groundTruth, output] = line.split('\t');
    rows.push([await tokens(groundTruth), await tokens(output.startsWith('[CLS] ') ? output.slice(6) : output)]);
  }
  fs.writeFileSync(out, JSON.stringify(rows));
}
main().catch((err) => { console.error(err); process.exit(1); });
