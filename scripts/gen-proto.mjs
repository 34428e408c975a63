// Generates typed static protobuf code from proto/ into src/gen/ so the
// frontend never parses .proto text at start-up. Runs before build and tests.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";

const files = [
  "buildkit/ops.proto",
  "buildkit/caps.proto",
  "buildkit/worker.proto",
  "buildkit/gateway.proto",
  "buildkit/control.proto",
  "fsutil/stat.proto",
  "google/protobuf/any.proto",
  "google/protobuf/timestamp.proto",
  "google/rpc/status.proto",
];
mkdirSync("src/gen", { recursive: true });
const bin = (name) => `node_modules/protobufjs-cli/bin/${name}`;
if (!existsSync(bin("pbjs"))) {
  // e.g. `npm install -g .` in a clone before `npm ci`: the dev dependencies are not there yet.
  console.error(
    "gen-proto: protobufjs-cli is missing; run `npm ci` first (it installs the dev dependencies)",
  );
  process.exit(1);
}
execFileSync(
  process.execPath,
  [
    bin("pbjs"),
    "-t",
    "static-module",
    "-w",
    "es6",
    "--force-number",
    "--no-delimited",
    "--no-verify",
    "--no-convert",
    "-p",
    "proto",
    "-o",
    "src/gen/proto.js",
    ...files.map((f) => `proto/${f}`),
  ],
  { stdio: "inherit" },
);
// int64 fields must decode as plain numbers (our values are small: indexes, sizes, epochs);
// without this protobufjs returns Long objects whenever the long package is installed.
const js = "src/gen/proto.js";
const importLine = 'import $protobuf from "protobufjs/minimal.js";';
const generated = readFileSync(js, "utf8");
if (!generated.includes(importLine)) throw new Error(`${js}: protobufjs import not found`);
writeFileSync(
  js,
  generated.replace(importLine, `${importLine}\n$protobuf.util.Long = undefined;\n$protobuf.configure();`),
);
execFileSync(process.execPath, [bin("pbts"), "-o", "src/gen/proto.d.ts", "src/gen/proto.js"], {
  stdio: "inherit",
});
