#!/usr/bin/env node
// WordPiece tokens of a MolT5 mol2cap predictions file with Hugging Face
// `tokenizers` (the Rust library behind BertTokenizerFast), for the Python
// baseline in bench_eval.sh. Needs `npm install` in scripts/fixtures.
//
//   node scripts/reference/wordpiece_tokenize.js VOCAB.txt PRED.tsv OUT.json
const fs = require("fs");
const path = require("path");
const { BertWordPieceTokenizer } = require(path.join(__dirname, "..", "fixtures", "node_modules", "tokenizers"));

async function main() {
  const [vocab, predictions, out] = process.argv.slice(2);
  const tokenizer = await BertWordPieceTokenizer.fromOptions({ vocabFile: vocab, lowercase: true });
  tokenizer.setTruncation(512);
  const lines = fs.readFileSync(predictions, "utf8").split("\n").slice(1).filter((l) => l.length > 0);
  const rows = [];
  for (const line of lines) {
    const [, gt, rawOut] = line.split("\t");
    const output = rawOut.startsWith("[CLS] ") ? rawOut.slice(6) : rawOut;
    const a = await tokenizer.encode(gt, null, { addSpecialTokens: false });
    const b = await tokenizer.encode(output, null, { addSpecialTokens: false });
    rows.push([a.getTokens(), b.getTokens()]);
  }
  fs.writeFileSync(out, JSON.stringify(rows));
}
main();
