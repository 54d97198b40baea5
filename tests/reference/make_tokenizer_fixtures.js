#!/usr/bin/env node
// Writes tests/fixtures/llm_tokenizers_hf.json: the ids and decodings that
// Hugging Face `tokenizers` (the official Node binding of the Rust library,
// version pinned in package.json) gives for every tokenizer.json of the LLMs
// under SHARED_DIR/models/ (galactica-125m, gpt2, mistral-7b-v0.1), for
// tests/tokenizer/tokenizer_reference_test.cpp.
//
// How to run (from the repository root; needs node >= 18 and the npm registry):
//   cd tests/reference && npm ci && cd ../..
//   node tests/reference/make_tokenizer_fixtures.js [SHARED_DIR]
//   /usr/bin/python3 tests/reference/make_sentencepiece_llm_fixtures.py [SHARED_DIR]   (reads our torture list)
// SHARED_DIR defaults to $ICMA_SHARED_DIR, then ../shared. It must hold
// models/<name>/tokenizer.json and data/chebi20/test.txt.
//
// Texts, in four groups:
//   torture   - hand-written hard cases; stored in full, with full ids and full decodings.
//   captions  - every description of ChEBI-20 test.txt (row i = i-th line after the header),
//   smiles    - every SMILES of it. The dataset is NOT copied: the test reads test.txt
//               again and recomputes the texts from the row index. Each text gets one record
//               (see RECORDS below); the first FULL_ROWS rows also get full id lists.
//   prompts   - ICMA-style in-context prompts (the templates of issue 6) built from rows of
//               test.txt. Not stored as text: the fixture stores each template and, per prompt,
//               the template name and the row indices; the text is rebuilt by the test:
//                 text = for each example row e: fill(template.example, e)
//                        + fill(template.query, q) + fill(template.target, q)
//               where fill() replaces "{SMILES}" with the row's SMILES (wrapped as
//               "[START_I_SMILES]" + SMILES + "[END_I_SMILES]" when template.wrap_smiles) and
//               "{caption}" with its description. Each prompt gets one record.
//
// RECORDS ("n:hPlain:hSpecial:hDecode:hDecodeSkip", one string per text):
//   n           - number of ids of encode(text, addSpecialTokens=false)
//   hPlain      - digest of those ids
//   hSpecial    - digest of the ids of encode(text, addSpecialTokens=true);
//                 empty when they equal the plain ids
//   hDecode     - digest of decode(specialIds, skipSpecialTokens=false);
//                 empty when it equals the text itself
//   hDecodeSkip - the same for decode(specialIds, skipSpecialTokens=true)
// Digests are FNV-1a 64 (offset 0xcbf29ce484222325, prime 0x100000001b3), as 16 lower-case
// hex digits: over the ids, each fed as 4 bytes little-endian; over text, its UTF-8 bytes.

'use strict';
const fs = require('fs');
const path = require('path');
const tk = require('tokenizers');

const repoRoot = path.resolve(__dirname, '..', '..');
const sharedDir = path.resolve(process.argv[2] || process.env.ICMA_SHARED_DIR || path.join(repoRoot, '..', 'shared'));
const datasetPath = path.join(sharedDir, 'data', 'chebi20', 'test.txt');
const outPath = path.join(repoRoot, 'tests', 'fixtures', 'llm_tokenizers_hf.json');

const MODELS = ['galactica-125m', 'gpt2', 'mistral-7b-v0.1'];
const FULL_ROWS = 50;
const PROMPTS = 300;

const TORTURE = [
  '', ' ', '  ', '   ', '          ', '\t', '\n', '\n\n', '\r\n', ' \t \n ', 'a\tb\nc\r\nd', 'a  b   c    d',
  ' leading', 'trailing ', '  both  ', 'line1\nline2\n', '\n\nParagraph\n\n\nnext',
  'Hello world', 'The molecule is a 3beta-hydroxy steroid.', 'HELLO World, hello WORLD!',
  "don't won't it's I'm we've they'll she'd", 'e.g. i.e. etc. Mr. Dr.',
  'café naïve résumé Ångström', 'Ça va? Él está aquí. Über straße', 'e\u0301 versus \u00e9', 'ﬁ ﬂ ＡＢＣ ①②③ ½',
  'α-helix β-sheet Δ9 ω-3 μM', '中文字符测试', '分子是一种类固醇。', '日本語のテキスト', '한국어 텍스트',
  '😀 🙂 🧪⚗️ 👩‍🔬', '🇫🇷🇯🇵', 'a\u200bb\u200dc', 'a\u00a0b', '\ufffd', 'a\u0000b', '\u0007\u001b[0m',
  '0', '12', '123', '1234', '12345678901234567890', '3.14159265358979323846', '1,000,000 and 2 000 000',
  '(2S,3R)-2-amino-3-hydroxybutanoic acid', 'pH 7.3', 'CID 5354212',
  'C[C@H](N)C(=O)O', 'CC(=O)OC1=CC=CC=C1C(=O)O', 'C1=CC=C(C=C1)/C=C/C(=O)O', 'OCC[N+](C)(C)C.[Cl-]',
  'C[C@]12CCC(=O)C=C1CC[C@@H]3[C@@H]2C(=O)C[C@]\\\\4([C@H]3CC/C4=C/C(=O)OC)C',
  '[START_I_SMILES]C[C@H](N)C(=O)O[END_I_SMILES]', '[START_I_SMILES]CCO[END_I_SMILES] is ethanol',
  'Molecule: [START_I_SMILES]c1ccccc1[END_I_SMILES]\nCaption:', '[START_SMILES]CCO[END_SMILES]',
  '[START_REF] Attention is all you need [END_REF]', '<work>step</work>',
  '<s>', '</s>', '<pad>', '<unk>', '<|endoftext|>', '<s>Hello</s>', 'Hello </s> world', 'a<unk>b',
  'text<|endoftext|>more text', ' <s> ', '<s><s></s></s>', '<|endoftext|><|endoftext|>', '<S>', '< s >', '<s',
  '▁Hello ▁world', '<0x0A>', 'Ġhello Ċ',
  'Caption: The molecule is a monocarboxylic acid anion.</s>',
  '!!!???...,,,;;;:::', '"quoted" \'single\' `back`', '~!@#$%^&*()_+-={}[]|\\:;<>?,./',
  'a'.repeat(300), 'ab '.repeat(100), '\n'.repeat(20), ' '.repeat(40) + 'x', '9'.repeat(200),
];

// ICMA prompt templates (issue 6), each also with Galactica's SMILES markers.
const BASE_TEMPLATES = {
  mol2cap: {
    example: 'Generate a caption for the molecule: {SMILES}\nCaption: {caption}\n\n',
    query: 'Based on the above examples, analyse the similarities and differences between the examples and ' +
      'finally generate a caption for the molecule: {SMILES}. \n',
    target: 'Caption: {caption}</s>',
  },
  cap2mol: {
    example: 'Generate a molecule for the caption: {caption}\nMolecule: {SMILES}\n\n',
    query: 'Based on the above examples, analyse the similarities and differences between the examples and ' +
      'finally generate a molecule for the caption: {caption}\n',
    target: 'Molecule: {SMILES}</s>',
  },
  simple: {
    example: 'Instruction: Given the molecular SMILES, generate a caption.\n\nExample 1:\nMolecule: {SMILES}\n' +
      'Caption: {caption}\n\n',
    query: 'Molecule: {SMILES}\nCaption:',
    target: '',
  },
};
const TEMPLATES = {};
for (const [name, template] of Object.entries(BASE_TEMPLATES)) {
  TEMPLATES[name] = { ...template, wrap_smiles: false };
  TEMPLATES[name + '_wrapped'] = { ...template, wrap_smiles: true };
}
const TEMPLATE_NAMES = Object.keys(TEMPLATES);

function readDataset(file) {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const header = lines.shift().split('\t');
  if (header[1] !== 'SMILES' || header[2] !== 'description') throw new Error(`${file}: unexpected header`);
  return lines.map((line, i) => {
    const fields = line.split('\t');
    if (fields.length !== 3) throw new Error(`${file}:${i + 2}: expected 3 fields`);
    return { smiles: fields[1], caption: fields[2] };
  });
}

function fill(text, row, wrap) {
  const smiles = wrap ? `[START_I_SMILES]${row.smiles}[END_I_SMILES]` : row.smiles;
  return text.split('{SMILES}').join(smiles).split('{caption}').join(row.caption);
}

function buildPrompt(template, rows, examples, query) {
  let text = '';
  for (const e of examples) text += fill(template.example, rows[e], template.wrap_smiles);
  return text + fill(template.query, rows[query], template.wrap_smiles) +
    fill(template.target, rows[query], template.wrap_smiles);
}

// Deterministic row choices: prompt k uses 1 to 3 example rows and one query row.
function promptSpecs(rowCount) {
  const specs = [];
  for (let k = 0; k < PROMPTS; ++k) {
    const count = 1 + (k % 3);
    const examples = [];
    for (let e = 0; e < count; ++e) examples.push((k * 101 + e * 577 + 3) % rowCount);
    specs.push({ template: TEMPLATE_NAMES[k % TEMPLATE_NAMES.length], examples, query: (k * 37 + 11) % rowCount });
  }
  return specs;
}

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK = 0xffffffffffffffffn;
function fnvBytes(bytes) {
  let h = FNV_OFFSET;
  for (const b of bytes) h = ((h ^ BigInt(b)) * FNV_PRIME) & MASK;
  return h.toString(16).padStart(16, '0');
}
function digestIds(ids) {
  const bytes = [];
  for (const id of ids) bytes.push(id & 0xff, (id >>> 8) & 0xff, (id >>> 16) & 0xff, (id >>> 24) & 0xff);
  return fnvBytes(bytes);
}
const digestText = (text) => fnvBytes(Buffer.from(text, 'utf8'));
const sameIds = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

async function run(tokenizer, text) {
  const plain = Array.from((await tokenizer.encode(text, null, { addSpecialTokens: false })).getIds());
  const special = Array.from((await tokenizer.encode(text, null, { addSpecialTokens: true })).getIds());
  const decoded = await tokenizer.decode(special, false);
  const decodedSkip = await tokenizer.decode(special, true);
  return { plain, special, decoded, decodedSkip };
}

function record(text, r) {
  return [
    r.plain.length, digestIds(r.plain), sameIds(r.plain, r.special) ? '' : digestIds(r.special),
    r.decoded === text ? '' : digestText(r.decoded), r.decodedSkip === text ? '' : digestText(r.decodedSkip),
  ].join(':');
}

function configJson(dir, name) {
  const file = path.join(dir, name);
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : null;
}

async function model(name, rows, specs) {
  const dir = path.join(sharedDir, 'models', name);
  const tokenizer = tk.Tokenizer.fromFile(path.join(dir, 'tokenizer.json'));
  const out = {
    model: name,
    vocab_size: tokenizer.getVocabSize(true),
    vocab_size_without_added: tokenizer.getVocabSize(false),
    // token <-> id checks: a spread of ids over the vocabulary, plus the added tokens.
    tokens: [],
    torture: [],
    captions: [],
    smiles: [],
    full: { captions: [], smiles: [] },
    prompts: [],
  };
  const size = out.vocab_size;
  const probe = new Set([0, 1, 2, 3, 100, 255, 256, 1000, size - 1]);
  for (let i = 0; i < 40; ++i) probe.add(Math.floor((i * 2654435761) % size));
  for (const id of [...probe].sort((a, b) => a - b)) out.tokens.push([id, tokenizer.idToToken(id)]);

  for (const text of TORTURE) {
    const r = await run(tokenizer, text);
    out.torture.push({ plain: r.plain, special: r.special, decode: r.decoded, decode_skip: r.decodedSkip });
  }
  for (const field of ['captions', 'smiles']) {
    for (let i = 0; i < rows.length; ++i) {
      const text = field === 'captions' ? rows[i].caption : rows[i].smiles;
      const r = await run(tokenizer, text);
      out[field].push(record(text, r));
      if (i < FULL_ROWS) out.full[field].push(sameIds(r.plain, r.special) ? [r.plain] : [r.plain, r.special]);
    }
  }
  for (const spec of specs) {
    const text = buildPrompt(TEMPLATES[spec.template], rows, spec.examples, spec.query);
    out.prompts.push(record(text, await run(tokenizer, text)));
  }
  out.config = {
    tokenizer_config: configJson(dir, 'tokenizer_config.json') !== null,
    special_tokens_map: configJson(dir, 'special_tokens_map.json'),
  };
  return out;
}

async function main() {
  const rows = readDataset(datasetPath);
  const specs = promptSpecs(rows.length);
  const version = JSON.parse(fs.readFileSync(require.resolve('tokenizers/package.json'), 'utf8')).version;
  const models = [];
  for (const name of MODELS) {
    models.push(await model(name, rows, specs));
    process.stderr.write(`${name}: done\n`);
  }
  // Compact JSON, one model section per line block, so that diffs stay readable.
  const head = {
    generator: 'tests/reference/make_tokenizer_fixtures.js',
    reference: `tokenizers ${version} (npm, the Hugging Face Rust library's Node binding): ` +
      'Tokenizer.fromFile(tokenizer.json); encode(text, null, {addSpecialTokens}).getIds(); ' +
      'decode(ids, skipSpecialTokens)',
    dataset: 'data/chebi20/test.txt',
    rows: rows.length,
    full_rows: FULL_ROWS,
    record_format: 'n:hPlain:hSpecial:hDecode:hDecodeSkip (see the generator)',
    digest: 'FNV-1a 64; ids as 4 bytes little-endian each; text as UTF-8',
    torture: TORTURE,
    templates: TEMPLATES,
    prompts: specs,
  };
  let text = '{\n';
  for (const [key, value] of Object.entries(head)) text += `${JSON.stringify(key)}: ${JSON.stringify(value)},\n`;
  text += '"models": [\n';
  text += models.map((m) => {
    const parts = Object.entries(m).map(([key, value]) => `  ${JSON.stringify(key)}: ${JSON.stringify(value)}`);
    return '{\n' + parts.join(',\n') + '\n}';
  }).join(',\n');
  text += '\n]\n}\n';
  fs.writeFileSync(outPath, text);
  console.log(`wrote ${outPath}: ${models.length} models, ${TORTURE.length} torture texts, ` +
    `${rows.length} rows x 2 fields, ${specs.length} prompts, ${text.length} bytes`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
