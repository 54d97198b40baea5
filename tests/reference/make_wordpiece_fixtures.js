#!/usr/bin/env node
// Writes tests/fixtures/wordpiece_hf.json: what Hugging Face `tokenizers`
// (the official Node binding, version pinned in package.json) gives for the
// tokenizer that MolT5's evaluation scripts use,
//
//   BertTokenizerFast.from_pretrained('allenai/scibert_scivocab_uncased')
//       .tokenize(text, truncation=True, max_length=512, padding='max_length')
//   minus the '[PAD]', '[CLS]', '[SEP]' tokens,
//
// on a few hundred texts, plus, for every code point, what BertNormalizer
// makes of it and how BertPreTokenizer classes it.
//
// How to run (from the repository root; needs node >= 18 and the npm registry):
//   cd tests/reference && npm ci && cd ../..
//   node tests/reference/make_wordpiece_fixtures.js [SHARED_DIR]
// SHARED_DIR defaults to $ICMA_SHARED_DIR, then ../shared. It must hold
// vocab/scibert_scivocab_uncased/vocab.txt and data/chebi20/test.txt (only the
// captions picked below are copied into the fixture).
//
// The scibert hub repository has only vocab.txt, so transformers builds the
// fast tokenizer from the slow one (convert_slow_tokenizer.BertConverter):
// WordPiece over the slow tokenizer's vocab (read by load_vocab: Python text
// mode, so universal newlines, and only "\n" stripped), BertNormalizer with
// strip_accents=None (= follow lowercase), BertPreTokenizer, and the special
// tokens added as non-normalized added tokens. The same is built here.

'use strict';
const fs = require('fs');
const path = require('path');
const tk = require('tokenizers');

const repoRoot = path.resolve(__dirname, '..', '..');
const sharedDir = path.resolve(process.argv[2] || process.env.ICMA_SHARED_DIR || path.join(repoRoot, '..', 'shared'));
const vocabPath = path.join(sharedDir, 'vocab', 'scibert_scivocab_uncased', 'vocab.txt');
const captionsPath = path.join(sharedDir, 'data', 'chebi20', 'test.txt');
const outPath = path.join(repoRoot, 'tests', 'fixtures', 'wordpiece_hf.json');

const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
const FILTERED = new Set(['[PAD]', '[CLS]', '[SEP]']);
const MAX_LENGTH = 512;

// transformers' load_vocab: readlines() in text mode splits at \n, \r\n and \r;
// rstrip("\n") leaves everything else; the index of the line is the id.
function loadVocabLikeTransformers(file) {
  const text = fs.readFileSync(file, 'utf8');
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const vocab = {};
  lines.forEach((token, id) => { vocab[token] = id; });
  return vocab;
}

function buildTokenizer(vocabFile = vocabPath) {
  const model = tk.WordPiece.init(loadVocabLikeTransformers(vocabFile), {
    unkToken: '[UNK]', continuingSubwordPrefix: '##', maxInputCharsPerWord: 100,
  });
  const tokenizer = new tk.Tokenizer(model);
  tokenizer.setNormalizer(tk.bertNormalizer({
    cleanText: true, handleChineseChars: true, stripAccents: true, lowercase: true,
  }));
  tokenizer.setPreTokenizer(tk.bertPreTokenizer());
  tokenizer.addSpecialTokens(SPECIAL_TOKENS);
  tokenizer.setTruncation(MAX_LENGTH);
  tokenizer.setPadding({ maxLength: MAX_LENGTH, padToken: '[PAD]', padId: 0 });
  return tokenizer;
}

// ---- texts ------------------------------------------------------------------

function handWrittenTexts() {
  const cp = (...codes) => String.fromCodePoint(...codes);
  const texts = [
    // empty and whitespace only
    '', ' ', '   ', '\t', '\n', '\r\n', ' \t\n\r ', '\u00a0', '\u3000\u2003\u2009', '\u0085', '\u2028\u2029',
    // plain, upper case, mixed case
    'Hello, World!', 'THE MOLECULE IS AN ACID.', 'The Molecule Is A Steroid', 'hello', 'Hello', 'HeLLo WoRLD',
    // accents
    'café', 'CAFÉ', 'naïve', 'Ångström', 'ångström', 'résumé', 'Zürich', 'São Paulo', 'Ærø', 'Œuvre', 'Ēē Īī Ōō Ūū',
    'e\u0301', 'a\u0316\u0301b', '\u0301abc', 'x\u20dd', 'Ä\u0308', 'ñandú', 'Dvořák', 'Łódź', 'Ḥ', 'ǅemal',
    // compatibility characters that NFD keeps
    'ﬁne ﬂow', 'ﬀ', '½ ¼ ² ³', 'Ⅳ Ⅻ', 'ＡＢＣ ａｂｃ', '𝔸𝕓', '㎏ ㎖',
    // singleton decompositions and special case mappings
    '\u212a', '\u212aelvin', '\u212b', '\u2126', 'İstanbul', 'İ', 'i̇', 'ß', 'STRASSE Straße', '\u1e9e', 'ΣΑΣ', 'σς',
    'ǈ', 'Ǉ', 'ΐ', 'ﬆ',
    // Greek
    'α', 'β', 'α-helix', 'β-D-glucose', 'Δ9-THC', 'ω-3 fatty acid', 'γ-aminobutyric acid', 'κ-opioid', 'μM', 'µM',
    // Chinese, Japanese, Korean
    '野口里佳 Noguchi Rika', '中文字符test', '化学', 'ひらがな カタカナ', '한국어', '한글 text', cp(0x20000) + 'x',
    cp(0x2b81d, 0x2b81e, 0x2b820), cp(0xf900) + cp(0xfa6e), '〇', '㐀', '鿿', '⼀',
    // control characters, NUL, U+FFFD
    'a\u0000b', 'a\u0001b', 'a\u0007b', 'a\u001bb', 'a\u007fb', 'a\u0080b', 'a\u009fb', 'a\u001cb\u001fc', '\u0000',
    'a\ufffdb', '\ufffd', 'a\u000bb\u000cc',
    // tabs, newlines, carriage returns
    'a\tb\nc\rd', 'line one\nline two\r\nline three', '\ttabbed\t', 'word\r',
    // zero-width and other format characters
    'a\u200bb', 'a\u200cb', 'a\u200db', 'a\u2060b', '\ufeffbom', 'soft\u00adhyphen', 'a\u200eb\u200fc', 'a\u180eb',
    'a\u061cb', 'a\u2066b\u2069', 'a\u0600b', '👨\u200d👩\u200d👧', 'a' + cp(0xe0001) + 'b', 'a' + cp(0x110bd) + 'b',
    'a\u0890b', 'a' + cp(0x13430) + 'b',
    // private use, unassigned, noncharacters
    'a\ue000b', 'a\uf8ffb', 'a' + cp(0xf0000) + 'b', 'a\u0378b', 'a\ufdd0b', 'a\uffffb', 'x' + cp(0x10fffd),
    // non-breaking and other spaces
    'a\u00a0b', 'a\u202fb', 'a\u2009b', 'a\u2007b', 'a\u205fb', 'a\u1680b', '10\u00a0mg', 'a\u200ab',
    // punctuation of all kinds
    '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~', 'a—b', 'a–b', '“quoted”', '‘single’', 'a·b', '•', '…', '«guillemets»', '¿¡',
    '§ ¶', '† ‡', '‰ ‱', '′ ″ ‴', '※', '、。「」', '（括弧）', '€ £ ¥ $', '± × ÷', '° ℃ ℉', '→ ← ⇌', '© ®', '@home',
    'x^2', 'a|b', '~tilde', '`tick`', 'a_b', 'a-b', 'a/b', 'a\\b', '⁅⁆', '⸮', '꙳', '᭚', '\u166d', '\u2e3a',
    '\u2e5d', '\u10fb', 'a\u0f14b', '\u30fb', '\u058a',
    // chemical names and notation
    '(2S,3R)-2-amino-3-hydroxybutanoic acid', "N,N'-dimethylurea", "adenosine 5'-monophosphate",
    '1,2-di-O-acyl-sn-glycerol', '[Fe(CN)6]3-', '2′-deoxyadenosine', 'α-D-glucopyranosyl-(1→4)-β-D-glucose',
    '(+)-(R)-limonene', '(−)-epicatechin', "3',5'-cyclic AMP", '1H-indole-3-carbaldehyde', 'pH 7.3',
    'C[C@H](N)C(=O)O', 'CC(=O)OC1=CC=CC=C1C(=O)O', '17β-estradiol', 'Δ(4)-steroid', '11-oxo', 'NAD(+)', 'Fe2+',
    'cis-9-octadecenoic acid', 'L-α-phosphatidylcholine', 'co-enzyme A', "2''-O-acetyl", 'tert-butyl', 'sec-butyl',
    // numbers
    '3.14159', '1,000,000', '10^-3', '7.3', '1e-5', '42', '0.5 mM', '2023', '3/4', '١٢٣', '१२३',
    // words not in the vocabulary
    'xyzzyq', '☃', '🙂', '🙂🙂', 'qqqqqqqqqq', 'zzzz', 'ⓐ', 'ꙮ', '𓀀',
    // special tokens in the text
    '[CLS] The molecule is a steroid.', '[CLS]The molecule', '[CLS]', '[SEP]', '[PAD]', '[UNK]', '[MASK]',
    'the [SEP] end', '[cls] lower case', '[Cls]', '[CLS ]', '[ CLS]', '[[CLS]]', 'a[SEP]b', '[MASK]ed', 'x[MASK]',
    '[PAD][PAD][PAD]', '[UNK] token', '[CLS] [CLS] text [SEP] [SEP]', '[CLS]\u0301accent', 'é[SEP]é', '[CL\u200bS]',
    '[CLS][SEP][PAD][UNK][MASK]', '[MASK][MASK]', '[unk]', '[SEP',
  ];
  // Word lengths around max_input_chars_per_word = 100 (counted in characters).
  for (const n of [99, 100, 101, 102, 103, 104, 150]) texts.push('a'.repeat(n));
  for (const n of [100, 101]) texts.push('é'.repeat(n), 'α'.repeat(n), 'ab'.repeat(n / 2) + (n % 2 ? 'c' : ''));
  texts.push('e\u0301'.repeat(60), 'x' + 'e\u0301'.repeat(99), 'word ' + 'b'.repeat(101) + ' word');
  texts.push(cp(0x1f600).repeat(101), '[CLS]' + 'a'.repeat(101));
  // Characters whose general category changed after Unicode 8.0, in context.
  texts.push('ab\u1885c', 'ab\u1886c', 'ab\ua9bdc', 'ab\u1734c', 'ab' + cp(0x111c9) + 'c', 'ab\u166dc');
  // Case pairs newer than ICU 72 and decompositions newer than Unicode 9.
  texts.push('\u1c89x', '\ua7cb\ua7dc', cp(0x10d50, 0x10d65), cp(0x16ea0), 'x' + cp(0x11938), '\ua7c0\ua7c1');
  // Combining-mark reordering with marks newer than Unicode 9.
  texts.push('a\u1df6' + cp(0x1d165), 'a\u08d4' + cp(0x1d165), 'a' + cp(0x1d165, 0x1d16d));
  return texts;
}

function longTexts() {
  const sentence = 'The molecule is a 3beta-hydroxy-4,4-dimethylsteroid that is cholestan-3beta-ol in which ' +
    'the hydrogens at position 4 have been replaced by methyl groups (see also: Delta(8)-sterols). ';
  return [
    sentence.repeat(12),                               // well over 512 pieces
    '[CLS] ' + sentence.repeat(12),                    // a leading [CLS] counts towards the 512
    'word '.repeat(511), 'word '.repeat(512), 'word '.repeat(513),
    'a,'.repeat(300),                                  // 600 pieces, half punctuation
    '[SEP] '.repeat(600) + 'tail',                     // filtered tokens still count towards the 512
    '(' + 'x'.repeat(20) + ')'.repeat(600),
  ];
}

// ~100 real ChEBI-20 test captions: every one with a non-ASCII character and
// evenly spaced others.
function captionTexts() {
  const lines = fs.readFileSync(captionsPath, 'utf8').split('\n').slice(1).filter((l) => l.length > 0);
  const captions = lines.map((l) => l.split('\t')[2]);
  const picked = new Set();
  captions.forEach((c, i) => { if (/[^\x00-\x7f]/.test(c)) picked.add(i); });
  const step = Math.floor(captions.length / (100 - picked.size));
  for (let i = 0; picked.size < 100 && i < captions.length; i += step) picked.add(i);
  return [...picked].sort((a, b) => a - b).map((i) => captions[i]);
}

// Deterministic random mixes of the characters that matter.
function randomTexts(count) {
  let state = 20240611;
  const next = () => { state = (state * 1103515245 + 12345) % 2147483648; return state; };
  const pools = [
    'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', '0123456789', '     ', '.,;:-()[]\'"!?/',
    'éÉåÅüÜçñøßİıσΣαβγΔω', '\t\n\r\u00a0\u2003\u3000', '\u0000\u0001\u007f\u0085\u200b\u200d\u00ad\ufeff\ufffd',
    '\u0301\u0308\u0327\u0316\u034f', '中文字化学野', '—–“”‘’·•…′″→', '℃℉Ω\u212aÅ', '¼²ⅣＡ',
  ];
  const specials = ['[CLS]', '[SEP]', '[PAD]', '[UNK]', '[MASK]', '[cls]', '##', '[CLS '];
  const texts = [];
  for (let t = 0; t < count; t++) {
    const length = 5 + (next() % 120);
    let text = '';
    for (let i = 0; i < length; i++) {
      if (next() % 40 === 0) { text += specials[next() % specials.length]; continue; }
      const pool = [...pools[next() % pools.length]];
      text += pool[next() % pool.length];
    }
    texts.push(text);
  }
  return texts;
}

// ---- per code point table -----------------------------------------------------
// For every code point except surrogates: BertNormalizer's output for the
// character alone, and BertPreTokenizer's class for it ('W' whitespace, split
// off and dropped; 'P' punctuation, isolated; 'L' anything else), read from
// how "a<char>b" splits. Stored as runs of consecutive code points that share
// the class and the kind of output:
//   [first, last, class, "="]          the character itself
//   [first, last, class, "x"]          removed
//   [first, last, class, "_"]          a single space
//   [first, last, class, "c"]          " <char> " (CJK ideograph)
//   [first, last, class, "+", delta]   the single character cp + delta
//   [first, last, class, "h"]          the Hangul syllable's canonical
//                                      decomposition into jamo (Unicode 3.12)
//   [first, first, class, "s", text]   anything else, spelled out
function hangulJamo(code) {
  const S_BASE = 0xac00, L_BASE = 0x1100, V_BASE = 0x1161, T_BASE = 0x11a7, V_COUNT = 21, T_COUNT = 28;
  const index = code - S_BASE;
  if (index < 0 || index >= 19 * V_COUNT * T_COUNT) return null;
  const jamo = [L_BASE + Math.floor(index / (V_COUNT * T_COUNT)), V_BASE + Math.floor((index % (V_COUNT * T_COUNT)) / T_COUNT)];
  if (index % T_COUNT !== 0) jamo.push(T_BASE + (index % T_COUNT));
  return String.fromCodePoint(...jamo);
}

function characterRuns() {
  const normalizer = tk.bertNormalizer({ cleanText: true, handleChineseChars: true, stripAccents: true, lowercase: true });
  const preTokenizer = tk.bertPreTokenizer();
  const runs = [];
  for (let code = 0; code <= 0x10ffff; code++) {
    if (code >= 0xd800 && code <= 0xdfff) continue;
    const ch = String.fromCodePoint(code);
    const splits = preTokenizer.preTokenizeString('a' + ch + 'b').length;
    const cls = { 1: 'L', 2: 'W', 3: 'P' }[splits];
    if (!cls) throw new Error(`unexpected pre-tokenization of U+${code.toString(16)}`);
    const out = normalizer.normalizeString(ch);
    const outCodes = [...out].map((c) => c.codePointAt(0));
    let kind;
    if (out === ch) kind = ['='];
    else if (out === '') kind = ['x'];
    else if (out === ' ') kind = ['_'];
    else if (out === ' ' + ch + ' ') kind = ['c'];
    else if (outCodes.length === 1) kind = ['+', outCodes[0] - code];
    else if (out === hangulJamo(code)) kind = ['h'];
    else kind = ['s', out];
    const last = runs[runs.length - 1];
    const extends_ = last && last[1] === code - 1 && last[2] === cls && kind[0] !== 's' &&
      last[3] === kind[0] && last[4] === kind[1];
    if (extends_) last[1] = code;
    else runs.push([code, code, cls, ...kind]);
  }
  return runs;
}

// ---- main -----------------------------------------------------------------------

async function main() {
  const tokenizer = buildTokenizer();
  const texts = [...handWrittenTexts(), ...longTexts(), ...captionTexts(), ...randomTexts(100)];
  const cases = [];
  for (const text of texts) {
    const encoding = await tokenizer.encode(text, null, { addSpecialTokens: false });
    cases.push({ text, tokens: encoding.getTokens().filter((t) => !FILTERED.has(t)) });
  }
  const fixture = {
    generator: 'tests/reference/make_wordpiece_fixtures.js',
    reference: `tokenizers ${require('tokenizers/package.json').version} (npm), BertTokenizerFast equivalent`,
    vocab: 'vocab/scibert_scivocab_uncased/vocab.txt',
    max_length: MAX_LENGTH,
    cases,
    characters: characterRuns(),
  };
  // One case or run per line keeps diffs of the fixture readable.
  const body = [
    '{',
    `"generator": ${JSON.stringify(fixture.generator)},`,
    `"reference": ${JSON.stringify(fixture.reference)},`,
    `"vocab": ${JSON.stringify(fixture.vocab)},`,
    `"max_length": ${fixture.max_length},`,
    '"cases": [',
    fixture.cases.map((c) => JSON.stringify(c)).join(',\n'),
    '],',
    '"characters": [',
    fixture.characters.map((r) => JSON.stringify(r)).join(',\n'),
    ']',
    '}',
  ].join('\n');
  fs.writeFileSync(outPath, body + '\n');
  console.log(`wrote ${outPath}: ${cases.length} cases, ${fixture.characters.length} character runs`);
}

// tests/reference/wordpiece_tokenize.js builds the same tokenizer.
module.exports = { buildTokenizer, FILTERED };

if (require.main === module) {
  main().catch((err) => { console.error(err); process.exit(1); });
}
