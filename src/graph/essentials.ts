/**
 * The account files of a scratch image with a non-root user, as distroless ships them:
 * root, nobody and nonroot (65532), with no shells and no passwords.
 */
export const PASSWD = [
  "root:x:0:0:root:/root:/sbin/nologin",
  "nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin",
  "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin",
  "",
].join("\n");

export const GROUP = ["root:x:0:", "nobody:x:65534:", "nonroot:x:65532:", ""].join("\n");

export const ZONEINFO = "/usr/share/zoneinfo";
