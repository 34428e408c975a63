// LLB capability IDs, spelled as in BuildKit's solver/pb/caps.go. The daemon
// validates every cap listed in OpMetadata.caps against what it supports.

export const Caps = {
  sourceImage: "source.image",
  sourceImageResolveMode: "source.image.resolvemode",
  sourceLocal: "source.local",
  sourceLocalUnique: "source.local.unique",
  sourceLocalSessionID: "source.local.sessionid",
  sourceLocalIncludePatterns: "source.local.includepatterns",
  sourceLocalFollowPaths: "source.local.followpaths",
  sourceLocalExcludePatterns: "source.local.excludepatterns",
  sourceLocalSharedKeyHint: "source.local.sharedkeyhint",
  sourceLocalDiffer: "source.local.differ",
  sourceHTTP: "source.http",
  sourceGit: "source.git",
  sourceGitKeepDir: "source.git.keepgitdir",
  sourceGitFullURL: "source.git.fullurl",
  sourceGitMountSSHSock: "source.git.mountsshsock",
  sourceGitMTime: "source.git.mtime",
  sourceOCILayout: "source.ocilayout",

  execMetaBase: "exec.meta.base",
  execMetaNetwork: "exec.meta.network",
  execMountBind: "exec.mount.bind",
  execMountCache: "exec.mount.cache",
  execMountCacheSharing: "exec.mount.cache.sharing",
  execMountSelector: "exec.mount.selector",
  execMountSecret: "exec.mount.secret",

  fileBase: "file.base",
  fileCopyIncludeExcludePatterns: "file.copy.includeexcludepatterns",

  constraints: "constraints",
  platform: "platform",
  metaIgnoreCache: "meta.ignorecache",
  metaDescription: "meta.description",
  mergeOp: "mergeop",
} as const;
