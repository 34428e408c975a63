// `npm run lint` runs this: no import cycle between files, nor between src's folders
// (the layers: manifest → plan → graph/llb → gateway → verify → image → frontend).
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular-files",
      severity: "error",
      comment: "Two modules import each other, directly or through others.",
      from: {},
      to: { circular: true },
    },
    {
      name: "no-circular-folders",
      severity: "error",
      scope: "folder",
      comment: "Two folders import each other: one of them is a layer below the other.",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^src/gen/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
  },
};
