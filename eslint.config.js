import js from '@eslint/js';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import reactRefresh from 'eslint-plugin-react-refresh';
import tseslint from 'typescript-eslint';

// Which way imports may point (CONTRIBUTING.md, "Layout"). Type-only imports may go anywhere.
const folders = (...names) => names.map((name) => `**/${name}/*`);
const UI = folders('bridge', 'store', 'components', 'offline');
// What the page may not load: TF.js and the modules built on it (the worker's). The TF.js-free
// modules the page reads are named with "!".
const TFJS = [
  '@tensorflow/*',
  '**/tf',
  ...folders('kernels', 'lowrank', 'model', 'train', 'worker'),
  '!**/lowrank/rankTerms',
  '!**/lowrank/directions',
  '!**/lowrank/schedules',
  '!**/lowrank/accounting',
  '!**/model/architectures',
  '!**/train/checkpointFile',
  '!**/train/stepSeries',
  '!**/worker/threads',
];
const restricted = (files, ...rules) => ({
  files,
  rules: {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        patterns: rules.map(([group, message]) => ({ group, message, allowTypeImports: true })),
      },
    ],
  },
});
const noUp = (what) => `${what} may not import this (CONTRIBUTING.md, "Layout")`;
const layers = [
  restricted(
    ['src/lowrank/**', 'src/kernels/**'],
    [
      [
        ...folders('model', 'data', 'train', 'worker', 'testing'),
        ...UI,
        '**/presets',
        '**/recipe',
        '**/runLog',
      ],
      noUp('the method and its kernels'),
    ],
  ),
  restricted(
    ['src/model/**', 'src/data/**'],
    [
      [...folders('train', 'worker', 'testing'), ...UI, '**/recipe', '**/runLog'],
      noUp('model/ and data/'),
    ],
  ),
  restricted(['src/train/**'], [[...folders('worker', 'testing'), ...UI], noUp('train/')]),
  restricted(['src/worker/**'], [[...folders('testing'), ...UI], noUp('worker/')]),
  restricted(
    ['src/config.ts', 'src/presets.ts', 'src/protocol.ts'],
    [[...UI, '**/testing/*'], noUp('the knob table and the protocol')],
    [TFJS, 'the knob table is read by the page, which never loads TF.js'],
  ),
  restricted(
    ['src/store/**'],
    [folders('bridge', 'components', 'offline'), noUp('the store')],
    [TFJS, 'the page never loads TF.js: import a TF.js-free module (CONTRIBUTING.md)'],
  ),
  restricted(
    ['src/bridge/**', 'src/recipe.ts', 'src/runLog.ts'],
    [folders('components', 'offline'), noUp('the bridge')],
    [TFJS, 'the page never loads TF.js: import a TF.js-free module (CONTRIBUTING.md)'],
  ),
  restricted(
    ['src/components/**', 'src/offline/**', 'src/App.tsx', 'src/main.tsx'],
    [TFJS, 'the page never loads TF.js: import a TF.js-free module (CONTRIBUTING.md)'],
  ),
];

export default tseslint.config(
  {
    ignores: [
      'dist',
      'node_modules',
      'test-results',
      'playwright-report',
      'bench',
      'gpu-bench',
      '.tensorboard-venv',
    ],
  },
  {
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    files: ['**/*.{ts,tsx,js}'],
    languageOptions: {
      ecmaVersion: 2022,
      globals: { ...globals.browser, ...globals.node, ...globals.worker },
    },
    plugins: { 'react-hooks': reactHooks, 'react-refresh': reactRefresh },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'react-refresh/only-export-components': ['warn', { allowConstantExport: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/switch-exhaustiveness-check': 'off',
    },
  },
  ...layers,
  {
    // tests may reach anything they test
    files: ['**/*.test.ts', 'src/testing/**'],
    rules: { '@typescript-eslint/no-restricted-imports': 'off' },
  },
);
