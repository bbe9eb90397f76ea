// Vitest setup: every unit test runs the math on TF.js's pure-JavaScript cpu backend.
import * as tf from '@tensorflow/tfjs';

// Silences the 'install tfjs-node' banner: the cpu backend is deliberate here.
tf.env().set('PROD', true);
await tf.setBackend('cpu');
await tf.ready();
