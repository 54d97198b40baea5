#!/usr/bin/env node
// Hugging Face `tokenizers` (the official Node binding) for the sentence
// encoder fixtures (tests/reference/sentence_reference.py) and the
// sentence benchmark (bench/sentence.sh):
//
//   node sentence_tokenizers.js bert OUT.json [VOCAB_ENTRIES]
//       a BERT uncased WordPiece tokenizer.json (BertNormalizer,
//       BertPreTokenizer, [CLS] ... [SEP] by BertProcessing, WordPiece
//       decoder) over SciBERT's vocab.txt: its first VOCAB_ENTRIES lines
//       (default: all) plus every later single ASCII character and
//       "##"-character, so that no word falls to [UNK] for want of a letter
//   node sentence_tokenizers.js roberta OUT.json [MERGES]
//       a RoBERTa byte-level BPE tokenizer.json: GPT-2's vocab.json and
//       merges.txt (its first MERGES merges and the tokens they make; default:
//       all), ids shifted by 4 behind RoBERTa's <s>=0 <pad>=1 </s>=2 <unk>=3,
//       <mask> last, RobertaProcessing (<s> ... </s>), ByteLevel decoder (the
//       binding has no constructor for it: written into the JSON). The
//       vocabulary size is 4 + 256 + MERGES + 1 (50,262 with every merge:
//       pass vocab_size 50265 to the model, as RoBERTa's own has spare rows)
//   node sentence_tokenizers.js encode TOKENIZER.json MAX_LENGTH < texts.json > ids.json
//       each text of a JSON array encoded with the special tokens and
//       truncated to MAX_LENGTH ids (specials included), as transformers'
//       tokenizer(texts, truncation='longest_first', max_length=...) does:
//       a JSON array of id arrays
//
// SciBERT's vocab.txt and GPT-2's files are read from SHARED_DIR (default
// $ICMA_SHARED_DIR, then ../shared beside the repository). `tokenizers` is
// the version pinned by the fixture scripts' package.json (npm ci there).

'use strict';
const fs = require('fs');
const path = require('path');

const repoRoot = path.resolve(__dirname, '..', '..');
const sharedDir = path.resolve(process.env.ICMA_SHARED_DIR || path.join(repoRoot, '..', 'shared'));

// The package lives next to the fixture scripts' package.json: here once the
// scripts sit in tests/reference, in scripts/fixtures before.
function requireTokenizers() {
  for (const dir of [__dirname, path.join(repoRoot, 'scripts', 'fixtures')]) {
    try {
      return require(require.resolve('tokenizers', { paths: [dir] }));
    } catch (error) {
      if (error.code !== 'MODULE_NOT_FOUND') throw error;
    }
  }
  throw new Error('the npm package "tokenizers" is not installed: run npm ci beside package.json');
}
const tk = requireTokenizers();

// transformers' load_vocab: lines split at \n, \r\n or \r; the line's index is the id.
function readVocabLines(file) {
  const lines = fs.readFileSync(file, 'utf8').split(/\r\n|\r|\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function bertTokenizer(entries) {
  const lines = readVocabLines(path.join(sharedDir, 'vocab', 'scibert_scivocab_uncased', 'vocab.txt'));
  const limit = entries > 0 ? entries : lines.length;
  const kept = lines.filter((token, i) => i < limit || /^(##)?[\x21-\x7e]$/.test(token));
  const vocab = {};
  kept.forEach((token, id) => { vocab[token] = id; });
  const model = tk.WordPiece.init(vocab, { unkToken: '[UNK]', continuingSubwordPrefix: '##', maxInputCharsPerWord: 100 });
  const tokenizer = new tk.Tokenizer(model);
  tokenizer.setNormalizer(tk.bertNormalizer({ cleanText: true, handleChineseChars: true, stripAccents: true, lowercase: true }));
  tokenizer.setPreTokenizer(tk.bertPreTokenizer());
  tokenizer.setPostProcessor(tk.bertProcessing(['[SEP]', vocab['[SEP]']], ['[CLS]', vocab['[CLS]']]));
  tokenizer.setDecoder(tk.wordPieceDecoder('##', true));
  tokenizer.addSpecialTokens(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
  return tokenizer;
}

function robertaTokenizer(mergeCount) {
  const gpt2 = path.join(sharedDir, 'models', 'gpt2');
  const gptVocab = JSON.parse(fs.readFileSync(path.join(gpt2, 'vocab.json'), 'utf8'));
  let merges = fs.readFileSync(path.join(gpt2, 'merges.txt'), 'utf8').split('\n').filter((line) => line && !line.startsWith('#version'));
  if (mergeCount > 0) merges = merges.slice(0, mergeCount);
  // GPT-2's ids: the 256 byte symbols, then one token per merge in merge order.
  const tokens = Object.entries(gptVocab).filter(([, id]) => id < 256 + merges.length).sort((a, b) => a[1] - b[1]);
  const vocab = { '<s>': 0, '<pad>': 1, '</s>': 2, '<unk>': 3 };
  for (const [token, id] of tokens) vocab[token] = id + 4;
  const mask = 4 + tokens.length;
  vocab['<mask>'] = mask;
  const model = tk.BPE.init(vocab, merges.map((line) => line.split(' ')), {});
  const tokenizer = new tk.Tokenizer(model);
  tokenizer.setPreTokenizer(tk.byteLevelPreTokenizer(false, true));
  tokenizer.setPostProcessor(tk.robertaProcessing(['</s>', 2], ['<s>', 0], true, false));
  tokenizer.addSpecialTokens(['<s>', '<pad>', '</s>', '<unk>']);
  tokenizer.addAddedTokens([new tk.AddedToken('<mask>', true, { leftStrip: true })]);
  return tokenizer;
}

// RoBERTa's decoder, as roberta-base's tokenizer.json has it.
const BYTE_LEVEL_DECODER = { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true };

async function encode(tokenizerFile, maxLength) {
  const tokenizer = tk.Tokenizer.fromFile(tokenizerFile);
  tokenizer.setTruncation(maxLength);
  const texts = JSON.parse(fs.readFileSync(0, 'utf8'));
  const ids = [];
  for (const text of texts) ids.push(Array.from((await tokenizer.encode(text, null, { addSpecialTokens: true })).getIds()));
  process.stdout.write(JSON.stringify(ids));
}

async function main() {
  const [command, target, extra] = process.argv.slice(2);
  if (command === 'bert' || command === 'roberta') {
    const size = extra ? parseInt(extra, 10) : 0;
    const tokenizer = command === 'bert' ? bertTokenizer(size) : robertaTokenizer(size);
    tokenizer.save(target, true);
    if (command === 'roberta') {
      const json = JSON.parse(fs.readFileSync(target, 'utf8'));
      json.decoder = BYTE_LEVEL_DECODER;
      fs.writeFileSync(target, JSON.stringify(json, null, 2));
    }
    tk.Tokenizer.fromFile(target);  // it must load back
  } else if (command === 'encode') {
    await encode(target, parseInt(extra, 10));
  } else {
    process.stderr.write('usage: sentence_tokenizers.js bert|roberta OUT.json [SIZE] | encode TOKENIZER.json MAX_LENGTH\n');
    process.exit(2);
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
