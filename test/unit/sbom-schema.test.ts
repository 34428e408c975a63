// Every SPDX document scratchkit makes validates against the official SPDX 2.3 JSON schema
// (fixture: test/unit/fixtures/spdx/, source and licence in its README), and says what it knows.
import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import type { InstalledPackage, SbomEvidence } from "../../src/sbom/evidence.js";
import { type DocumentInput, spdxDocument } from "../../src/sbom/spdx.js";

const schema = JSON.parse(
  readFileSync(new URL("./fixtures/spdx/spdx-2.3-schema.json", import.meta.url), "utf8"),
) as object;
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

const deb = (name: string, version: string): InstalledPackage => ({
  manager: "deb",
  name,
  version,
  arch: "amd64",
  purl: `pkg:deb/debian/${name}@${version}?arch=amd64`,
});
const muslDev = deb("musl-dev", "1.2.3-1");
const glib = deb("libglib2.0-dev", "2.74.6-2");

const evidence = (links: SbomEvidence["links"]): SbomEvidence => ({
  buildImage: {
    name: "scratchkit/toolchain:bookworm",
    digest: "sha256:2f7a0000000000000000000000000000000000000000000000000000000000aa",
  },
  installed: [muslDev, glib, deb("make", "4.3-4.1")],
  links,
});

const input = (links: SbomEvidence["links"], epoch?: number): DocumentInput => ({
  name: "hello",
  platform: "linux/amd64",
  files: [
    { path: "/hello", sha256: "a".repeat(64) },
    { path: "/etc/app.conf", sha256: "b".repeat(64) },
  ],
  evidence: evidence(links),
  ...(epoch !== undefined ? { epoch } : {}),
});

const CASES: Record<string, DocumentInput> = {
  "link trace (C)": input([{ artifact: "/hello", evidence: "link-trace", packages: [muslDev], modules: [] }]),
  "go build info": input([
    {
      artifact: "/hello",
      evidence: "go-buildinfo",
      packages: [],
      modules: [
        { ecosystem: "golang", name: "stdlib", version: "go1.19.8", purl: "pkg:golang/stdlib@go1.19.8" },
        {
          ecosystem: "golang",
          name: "golang.org/x/text",
          version: "v0.14.0",
          purl: "pkg:golang/golang.org/x/text@v0.14.0",
        },
      ],
    },
  ]),
  "unobserved link": input([
    { artifact: "/hello", evidence: "unobserved", packages: [muslDev, glib], modules: [] },
  ]),
  "no build image digest, no links": {
    ...input([]),
    evidence: { buildImage: { name: "alpine:3.20" }, installed: [], links: [] },
  },
};

type Doc = {
  creationInfo: { created: string };
  documentNamespace: string;
  packages: Array<{ SPDXID: string; name: string; versionInfo?: string; comment?: string }>;
  files: Array<{ SPDXID: string; fileName: string; checksums: Array<{ checksumValue: string }> }>;
  relationships: Array<{
    spdxElementId: string;
    relationshipType: string;
    relatedSpdxElement: string;
    comment?: string;
  }>;
};

describe("SPDX 2.3 document", () => {
  for (const [name, value] of Object.entries(CASES)) {
    it(`validates against the SPDX 2.3 JSON schema: ${name}`, () => {
      const doc = spdxDocument(value);
      const ok = validate(doc);
      expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
      expect(ok).toBe(true);
    });
  }

  it("the schema is not a rubber stamp: a document without spdxVersion is refused", () => {
    const { spdxVersion: _, ...broken } = spdxDocument(CASES["link trace (C)"] as DocumentInput);
    expect(validate(broken)).toBe(false);
  });

  it("lists each file with its SHA-256 and the packages it statically links", () => {
    const doc = spdxDocument(CASES["link trace (C)"] as DocumentInput) as unknown as Doc;
    const hello = doc.files.find((f) => f.fileName.endsWith("hello"));
    expect(hello?.checksums[0]?.checksumValue).toBe("a".repeat(64));
    const links = doc.relationships.filter(
      (r) => r.relationshipType === "STATIC_LINK" && r.relatedSpdxElement === hello?.SPDXID,
    );
    const names = links.map((r) => doc.packages.find((p) => p.SPDXID === r.spdxElementId)?.name);
    expect(names).toEqual(["musl-dev"]);
  });

  it("says so when a link was not observed, never a silent STATIC_LINK", () => {
    const doc = spdxDocument(CASES["unobserved link"] as DocumentInput) as unknown as Doc;
    expect(doc.relationships.some((r) => r.relationshipType === "STATIC_LINK")).toBe(false);
    const possible = doc.relationships.filter((r) => /possible contributor/.test(r.comment ?? ""));
    expect(possible).toHaveLength(2);
  });

  it("is deterministic: created is SOURCE_DATE_EPOCH, the namespace follows the content", () => {
    const a = spdxDocument(input([], 1700000000)) as unknown as Doc;
    const b = spdxDocument(input([], 1700000000)) as unknown as Doc;
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(a.creationInfo.created).toBe("2023-11-14T22:13:20Z");
    const other = spdxDocument({
      ...input([], 1700000000),
      files: [{ path: "/hello", sha256: "c".repeat(64) }],
    }) as unknown as Doc;
    expect(other.documentNamespace).not.toBe(a.documentNamespace);
  });
});
