#!/usr/bin/env node
// Writes tests/fixtures/llm_model_hf.json: what Hugging Face `tokenizers`
// (the official Node binding, version pinned in package.json) gives for the
// tokenizer.json stages icma re-implements in src/tokenizer/bpe_model.cpp,
// decoders.cpp and post_processors.cpp, each tested on its own:
//
//   bpe.<model>     for GPT-2, Galactica-125M and Mistral-7B: the model of the
//                   real tokenizer.json alone (no normalizer, pre-tokenizer or
//                   added tokens) on pieces as the real pre-tokenizer makes
//                   them from ChEBI-20 test captions and SMILES, plus a torture
//                   list (CJK and emoji need Mistral's byte_fallback).
//   bpe_synthetic   small random BPE models for the options the real files do
//                   not use (continuing_subword_prefix, end_of_word_suffix,
//                   unk_token with and without fuse_unk, partial
//                   byte_fallback, ignore_merges, merges as arrays, a
//                   duplicate merge), on random words.
//   wordpiece, wordlevel   small models, on words.
//   decoders        decoder JSON + tokens -> decoded text.
//   post_processors post_processor JSON + ids -> ids with special tokens.
//
// Each stage runs inside a Tokenizer built with Tokenizer.fromString from a
// tokenizer.json text, so the JSON is read by the same deserializer as a real
// file.
//
// How to run (needs node >= 18; `npm ci` once in tests/reference):
//   cd tests/reference && node make_model_fixtures.js [SHARED_DIR]
// SHARED_DIR defaults to $ICMA_SHARED_DIR, then ../shared (relative to the
// repository root). It must hold models/{gpt2,galactica-125m,mistral-7b-v0.1}/
// tokenizer.json and data/chebi20/test.txt.

'use strict';
const fs = require('fs');
const path = require('path');
const tk = require('tokenizers');

const repoRoot = path.resolve(__dirname, '..', '..');
const sharedDir = path.resolve(process.argv[2] || process.env.ICMA_SHARED_DIR || path.join(repoRoot, '..', 'shared'));
const outPath = path.join(repoRoot, 'tests', 'fixtures', 'llm_model_hf.json');

// A deterministic generator (mulberry32), so the fixture is reproducible.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(20240605);
const pick = (list) => list[Math.floor(random() * list.length)];

function tokenizerFrom(parts) {
  const json = Object.assign({
    version: '1.0', truncation: null, padding: null, added_tokens: [], normalizer: null,
    pre_tokenizer: null, post_processor: null, decoder: null,
  }, parts);
  return tk.Tokenizer.fromString(JSON.stringify(json));
}

async function ids(tokenizer, text, addSpecialTokens = false) {
  const encoding = await tokenizer.encode(text, null, { addSpecialTokens });
  return encoding.getIds();
}

// ---- texts --------------------------------------------------------------------

function chebiRows() {
  const lines = fs.readFileSync(path.join(sharedDir, 'data', 'chebi20', 'test.txt'), 'utf8').split('\n');
  const rows = [];
  for (const line of lines.slice(1)) {
    const cols = line.split('\t');
    if (cols.length >= 3) rows.push({ smiles: cols[1], caption: cols[2] });
  }
  return rows;
}

const cp = (...codes) => String.fromCodePoint(...codes);
const TORTURE = [
  '', ' ', '   ', '\t', '\n', ' \t\n ', 'Hello, World!', 'café', 'CAFÉ', 'naïve', 'Ångström', 'e\u0301',
  '野口里佳 Noguchi Rika', '中文字符test', '化学', 'ひらがな カタカナ', '한국어', cp(0x20000) + 'x', '🙂', '🙂🙂',
  '👨\u200d👩\u200d👧', '😀 emoji 🧪⚗️', 'a\u0000b', 'a\ufffdb', '\u00a0', '1234567890123456789', '3.14159',
  '[START_I_SMILES]CC(=O)O[END_I_SMILES]', '<s>', '</s>', '<unk>', '<0x41>', 'α-D-glucopyranosyl-(1→4)-β-D-glucose',
  '(2S,3R)-2-amino-3-hydroxybutanoic acid', "N,N'-dimethylurea", 'Δ9-THC', '± × ÷', '° ℃', '→ ← ⇌', '…', '“quoted”',
  'x' + cp(0x10fffd), 'a\ue000b', 'ﬁne ﬂow', '½ ¼ ² ³', 'ＡＢＣ', 'Ⅳ', '𝔸𝕓', 'qqqqqqqqqqqqqqqqqqqqqqqq',
  'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', '                ', '\n\n\n', 'The molecule is a steroid.',
];

// ---- BPE on the real models -----------------------------------------------------

async function realModelPieces(name, rows) {
  const file = path.join(sharedDir, 'models', name, 'tokenizer.json');
  const full = tk.Tokenizer.fromFile(file);
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  const modelOnly = tokenizerFrom({ model: json.model });
  const normalizer = full.getNormalizer();
  const preTokenizer = full.getPreTokenizer();

  const pieces = new Set();
  const addText = (text) => {
    const normalized = normalizer ? normalizer.normalizeString(text) : text;
    for (const [piece] of preTokenizer.preTokenizeString(normalized)) pieces.add(piece);
  };
  // Whole texts through the real pre-tokenizer (Mistral's does not split:
  // each text is one piece, so those are long), and single words.
  const texts = [...TORTURE];
  for (let i = 0; i < 60; ++i) texts.push(rows[i].caption, rows[i].smiles);
  for (const text of texts) addText(text);
  const words = new Set();
  for (const row of rows.slice(0, 400)) {
    for (const w of row.caption.split(/\s+/)) words.add(w);
  }
  for (const row of rows.slice(0, 150)) {
    for (const w of row.smiles.split(/(?<=[\])=#@])/)) words.add(w);
  }
  for (const w of words) addText(w);
  for (const w of [...words].slice(0, 300)) addText(' ' + w);

  const out = [];
  for (const piece of pieces) {
    if (piece === '') continue;
    out.push([piece, await ids(modelOnly, piece)]);
  }
  return out;
}

// ---- BPE on small synthetic models ---------------------------------------------

function randomWord(alphabet, maxLength) {
  const n = 1 + Math.floor(random() * maxLength);
  const chars = Array.from(alphabet);
  let w = '';
  for (let i = 0; i < n; ++i) w += pick(chars);
  return w;
}

// A random but valid BPE: each merge joins two tokens already in the vocab
// (a word-initial/inner one on the left, a continuation/any one on the right).
function syntheticBpe(options) {
  const prefix = options.continuing_subword_prefix || '';
  const suffix = options.end_of_word_suffix || '';
  const alphabet = options.alphabet;
  const vocab = {};
  const add = (t) => { if (!(t in vocab)) vocab[t] = Object.keys(vocab).length; };
  if (options.unk_token) add(options.unk_token);
  const left = [];
  const right = [];
  for (const c of alphabet) {
    if (options.missing && options.missing.includes(c)) continue;
    add(c); left.push(c);
    if (prefix) { add(prefix + c); right.push(prefix + c); } else { right.push(c); }
    if (suffix) { add(c + suffix); add(prefix + c + suffix); right.push(prefix + c + suffix); }
  }
  for (const b of options.byte_tokens || []) add(b);
  const merges = [];
  const seen = new Set();
  for (let k = 0; merges.length < options.merges && k < options.merges * 20; ++k) {
    const a = pick(left);
    const b = pick(right);
    const key = a + ' ' + b;
    if (seen.has(key) || a.includes(' ') || b.includes(' ')) continue;
    seen.add(key);
    const merged = a + b.slice(prefix.length);
    add(merged);
    merges.push([a, b]);
    if (!merged.endsWith(suffix) || !suffix) left.push(merged);
    right.push(prefix + merged);
    add(prefix + merged);
  }
  if (options.duplicate) merges.push(merges[3]);  // a later duplicate takes the later rank
  const model = {
    type: 'BPE', dropout: null, unk_token: options.unk_token || null,
    continuing_subword_prefix: options.continuing_subword_prefix || null,
    end_of_word_suffix: options.end_of_word_suffix || null, fuse_unk: !!options.fuse_unk,
    byte_fallback: !!options.byte_fallback, ignore_merges: !!options.ignore_merges, vocab,
    merges: options.tuples ? merges : merges.map((m) => m.join(' ')),
  };
  return model;
}

async function syntheticBpeCases() {
  const configs = [
    { name: 'plain', alphabet: 'abcde', merges: 60 },
    { name: 'plain_tuples', alphabet: 'abcdef', merges: 80, tuples: true },
    { name: 'duplicate_merge', alphabet: 'abc', merges: 30, duplicate: true },
    { name: 'prefix', alphabet: 'abcde', merges: 60, continuing_subword_prefix: '##' },
    { name: 'suffix', alphabet: 'abcde', merges: 60, end_of_word_suffix: '</w>' },
    { name: 'prefix_suffix', alphabet: 'abcd', merges: 60, continuing_subword_prefix: '##', end_of_word_suffix: '</w>' },
    { name: 'unk', alphabet: 'abcdxyé', missing: 'xyé', merges: 30, unk_token: '<unk>' },
    { name: 'unk_fused', alphabet: 'abcdxyé', missing: 'xyé', merges: 30, unk_token: '<unk>', fuse_unk: true },
    { name: 'no_unk', alphabet: 'abcdxy', missing: 'xy', merges: 30 },
    {
      name: 'byte_fallback', alphabet: 'abcdxyé🙂', missing: 'xyé🙂', merges: 30, unk_token: '<unk>', fuse_unk: true,
      byte_fallback: true, byte_tokens: ['<0x78>', '<0xC3>', '<0xA9>', '<0xF0>', '<0x9F>', '<0x99>', '<0x82>'],
    },
    { name: 'ignore_merges', alphabet: 'abcd', merges: 60, ignore_merges: true },
  ];
  const cases = [];
  for (const config of configs) {
    const model = syntheticBpe(config);
    const tokenizer = tokenizerFrom({ model });
    const words = new Set();
    while (words.size < 150) words.add(randomWord(config.alphabet, 14));
    for (const t of Object.keys(model.vocab).slice(0, 40)) {
      if (!t.startsWith('<')) words.add(t);  // whole-vocabulary words (ignore_merges)
    }
    const results = [];
    for (const w of words) results.push([w, await ids(tokenizer, w)]);
    cases.push({ name: config.name, model, words: results });
  }
  return cases;
}

// ---- WordPiece and WordLevel ----------------------------------------------------

async function wordPieceCases() {
  const vocab = { '[UNK]': 0 };
  for (const t of ['a', 'b', 'ab', 'abc', '##a', '##b', '##c', '##bc', '##é', 'é', 'un', '##aff', '##able', 'unaff']) {
    vocab[t] = Object.keys(vocab).length;
  }
  const model = { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 8, vocab };
  const tokenizer = tokenizerFrom({ model });
  const words = ['a', 'ab', 'abc', 'abca', 'abcbc', 'unaffable', 'unaff', 'x', 'ax', 'aé', 'éa', 'aaaaaaaa', 'aaaaaaaaa', 'bbbb',
    'abcé', 'é'];
  const results = [];
  for (const w of words) results.push([w, await ids(tokenizer, w)]);
  const levelModel = { type: 'WordLevel', vocab: { '<unk>': 0, hello: 1, world: 2, 'é': 3 }, unk_token: '<unk>' };
  const level = tokenizerFrom({ model: levelModel });
  const levelResults = [];
  for (const w of ['hello', 'world', 'é', 'x', 'Hello']) levelResults.push([w, await ids(level, w)]);
  return { wordpiece: { model, words: results }, wordlevel: { model: levelModel, words: levelResults } };
}

// ---- decoders -----------------------------------------------------------------

async function decode(decoder, tokens) {
  const vocab = {};
  for (const t of tokens) if (!(t in vocab)) vocab[t] = Object.keys(vocab).length;
  const tokenizer = tokenizerFrom({ model: { type: 'WordLevel', vocab, unk_token: tokens[0] || '' }, decoder });
  return tokenizer.decode(tokens.map((t) => vocab[t]), false);
}

async function decoderCases(rows) {
  const cases = [];
  const add = async (decoder, tokens) => cases.push({ decoder, tokens, text: await decode(decoder, tokens) });
  const models = {};
  for (const name of ['gpt2', 'galactica-125m', 'mistral-7b-v0.1']) {
    const file = path.join(sharedDir, 'models', name, 'tokenizer.json');
    models[name] = { tokenizer: tk.Tokenizer.fromFile(file), decoder: JSON.parse(fs.readFileSync(file, 'utf8')).decoder };
  }
  // The real decoders on the real tokens of texts.
  const texts = [...TORTURE.filter((t) => t !== ''), ...rows.slice(0, 25).map((r) => r.caption),
    ...rows.slice(0, 10).map((r) => r.smiles)];
  for (const name of Object.keys(models)) {
    for (const text of texts) {
      const encoding = await models[name].tokenizer.encode(text, null, { addSpecialTokens: false });
      const tokens = encoding.getTokens();
      if (tokens.length > 0) await add(models[name].decoder, tokens);
    }
  }
  // Cut byte sequences: ByteLevel and ByteFallback with invalid UTF-8.
  const byteLevel = { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true };
  for (const tokens of [['ä¸'], ['ä¸', 'Ń'], ['Ġ', 'â', 'Ģ'], ['ð', 'Ł', 'Ļ'], ['ð', 'Ł', 'Ļ', 'Ĥ'], ['Ã'], ['hello', 'Ã', 'Ġworld'],
    ['í', 'ł', 'Ģ'], ['ï', '¿', '¿'], ['ô', 'ı', 'Ģ', 'Ģ'], ['Ā'], ['ĀāĂ'], ['not☃mapped', 'Ġx'], ['Ġ', 'Ċ', 'ĉ']]) {
    await add(byteLevel, tokens);
  }
  const byteFallback = { type: 'ByteFallback' };
  for (const tokens of [['<0x61>'], ['<0xE5>'], ['<0xE5>', '<0x8F>'], ['<0xE5>', '<0x8F>', '<0xAB>'], ['<0xE5>', '<0x8F>', '<0xAB>', 'a'],
    ['<0xE5>', '<0x8F>', 'a', '<0xAB>'], ['<0x+A>'], ['<0xGG>'], ['<0x0a>'], ['<0x41', '<0x41>>'], ['x', '<0xF0>', '<0x9F>', '<0x99>', '<0x82>', 'y']]) {
    await add(byteFallback, tokens);
  }
  const metaspaces = [
    { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false },
    { type: 'Metaspace', replacement: '▁', prepend_scheme: 'never', split: true },
    { type: 'Metaspace', replacement: '▁', add_prefix_space: true },
    { type: 'Metaspace', replacement: '▁', add_prefix_space: false, prepend_scheme: 'never' },
    { type: 'Metaspace', replacement: '_', prepend_scheme: 'always', split: true },
  ];
  for (const d of metaspaces) {
    for (const tokens of [['▁Hey', '▁friend!'], ['▁▁a', '▁b'], ['Hey', '▁▁', 'x▁y'], ['_a', '_b_c'], ['▁']]) await add(d, tokens);
  }
  await add({ type: 'Fuse' }, ['a', 'b', ' ', 'c']);
  for (const [content, start, stop] of [[' ', 1, 0], [' ', 0, 1], ['H', 1, 0], ['y', 0, 1], [' ', 2, 2], ['▁', 1, 1], ['a', 5, 5]]) {
    await add({ type: 'Strip', content, start, stop }, ['  Hey ', ' friend!  ', 'HHH', 'Hey', 'xaax', '▁▁x▁']);
  }
  await add({ type: 'Replace', pattern: { String: '▁' }, content: ' ' }, ['▁Hey', '▁▁friend', 'x']);
  await add({ type: 'Replace', pattern: { String: 'ab' }, content: 'X' }, ['aabab', 'bab']);
  await add({ type: 'Replace', pattern: { Regex: '\\s+' }, content: '_' }, ['a  b', ' c\td ']);
  await add({ type: 'Replace', pattern: { Regex: '(?<=a)b' }, content: 'B' }, ['abab', 'bb']);
  for (const cleanup of [true, false]) {
    await add({ type: 'WordPiece', prefix: '##', cleanup },
      ['##uelo', 'Ara', '##új', '##o', 'No', '##guera', '.', 'do', 'not', 'it', "'", 's', ',', 'don', "'", 't', '?', '!']);
  }
  await add({ type: 'WordPiece', prefix: '@@', cleanup: true }, ['a', '@@b', '@@@c', 'd']);
  await add({ type: 'BPEDecoder', suffix: '</w>' }, ['hel', 'lo</w>', 'wor', 'ld</w>', 'x</w>y</w>']);
  await add({ type: 'BPEDecoder', suffix: '</w>' }, ['end</w>']);
  await add({ type: 'CTC', pad_token: '<pad>', word_delimiter_token: '|', cleanup: true },
    ['<pad>', 'h', 'h', 'e', '<pad>', 'l', 'l', '<pad>', 'l', 'o', '|', 'w', 'o', 'r', 'l', 'd', '<pad>', ' .']);
  await add({
    type: 'Sequence', decoders: [{ type: 'Replace', pattern: { String: '▁' }, content: ' ' }, { type: 'ByteFallback' },
      { type: 'Fuse' }, { type: 'Strip', content: ' ', start: 1, stop: 0 }],
  }, ['▁Hey', '<0xE5>', '<0x8F>', '<0xAB>', '▁', '<0xE5>', 'x']);
  return cases;
}

// ---- post-processors ----------------------------------------------------------

async function postProcessorCases() {
  const vocab = { '[UNK]': 0, '[CLS]': 1, '[SEP]': 2, '<s>': 3, '</s>': 4, a: 5, b: 6, c: 7 };
  const processors = [
    {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '<s>', type_id: 1 } },
        { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
    },
    {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { SpecialToken: { id: 'multi', type_id: 0 } }],
      pair: [{ Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [101], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [102], tokens: ['[SEP]'] },
        multi: { id: 'multi', ids: [7, 8, 9], tokens: ['x', 'y', 'z'] },
      },
    },
    { type: 'BertProcessing', sep: ['[SEP]', 2], cls: ['[CLS]', 1] },
    { type: 'RobertaProcessing', sep: ['</s>', 4], cls: ['<s>', 3], trim_offsets: true, add_prefix_space: true },
    { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    {
      type: 'Sequence', processors: [{ type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
        { type: 'BertProcessing', sep: ['[SEP]', 2], cls: ['[CLS]', 1] }],
    },
  ];
  const cases = [];
  for (const processor of processors) {
    const tokenizer = tokenizerFrom({
      model: { type: 'WordLevel', vocab, unk_token: '[UNK]' }, pre_tokenizer: { type: 'WhitespaceSplit' }, post_processor: processor,
    });
    for (const text of ['a b c', 'a', '', 'c c x']) {
      cases.push({ post_processor: processor, ids: await ids(tokenizer, text, false), with_special: await ids(tokenizer, text, true) });
    }
  }
  return cases;
}

async function main() {
  const rows = chebiRows();
  const out = {
    generator: 'tests/reference/make_model_fixtures.js',
    tokenizers_version: require('tokenizers/package.json').version,
    bpe: {},
  };
  for (const name of ['gpt2', 'galactica-125m', 'mistral-7b-v0.1']) out.bpe[name] = await realModelPieces(name, rows);
  out.bpe_synthetic = await syntheticBpeCases();
  Object.assign(out, await wordPieceCases());
  out.decoders = await decoderCases(rows);
  out.post_processors = await postProcessorCases();
  const text = JSON.stringify(out);
  fs.writeFileSync(outPath, text + '\n');
  const counts = Object.entries(out.bpe).map(([k, v]) => `${k}: ${v.length}`).join(', ');
  console.log(`wrote ${outPath} (${text.length} bytes; bpe pieces ${counts}; decoders ${out.decoders.length})`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
