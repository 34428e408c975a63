import { cleanPath } from "../llb/path.js";

/**
 * Reads a .dockerignore the way Docker does (moby/patternmatcher's ignorefile): comments
 * and blank lines dropped, paths cleaned, a leading "/" removed, "!" kept for exceptions.
 * BuildKit applies the patterns itself when it transfers the context.
 */
export function parseDockerignore(text: string): string[] {
  const patterns: string[] = [];
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = i === 0 ? raw.replace(/^\uFEFF/, "") : raw;
    if (line.startsWith("#")) continue;
    let pattern = line.trim();
    if (pattern === "") continue;
    const invert = pattern.startsWith("!");
    if (invert) pattern = pattern.slice(1).trim();
    if (pattern.length > 0) {
      pattern = cleanPath(pattern);
      if (pattern.length > 1 && pattern.startsWith("/")) pattern = pattern.slice(1);
    }
    patterns.push(invert ? `!${pattern}` : pattern);
  }
  return patterns;
}
