// `npm run build:kernels`: compiles src/kernels/simd/*.wat into src/kernels/simd/kernels.wasm.ts.
import { writeFile } from 'node:fs/promises';
import { compileKernels, GENERATED_FILE, generatedModule } from './compile';

const modules = await compileKernels();
await writeFile(GENERATED_FILE, generatedModule(modules));
for (const { name, memory } of modules) console.log(`${name}: ${memory.length} bytes`);
console.log(`wrote ${GENERATED_FILE}`);
