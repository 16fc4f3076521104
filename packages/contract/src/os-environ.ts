/**
 * What Python's `os.environ[name] = value` accepts, on the reference's POSIX containers: a `str`
 * (anything else is a TypeError), no NUL character (ValueError: embedded null byte), and text
 * the file-system encoding (UTF-8, surrogateescape) can encode: a lone surrogate is a
 * UnicodeEncodeError. Python writes U+DC80..U+DCFF as the raw bytes 0x80..0xFF; an environment
 * made by Node.js cannot carry such bytes, so optml refuses those too (README: stricter cases).
 * A name must also be free of "=" (ValueError: illegal environment variable name).
 */

/** Why Python could not put this string into the environment, or undefined when it could. */
export function environValueProblem(value: string): string | undefined {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0) return `holds a NUL character (at index ${i})`;
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return `holds a lone surrogate U+${c.toString(16).toUpperCase()} (at index ${i})`;
    }
    if (c >= 0xdc00 && c <= 0xdfff) return `holds a lone surrogate U+${c.toString(16).toUpperCase()} (at index ${i})`;
  }
  return undefined;
}

/** Why Python could not use this string as an environment variable name, or undefined. */
export function environNameProblem(name: string): string | undefined {
  if (name === "") return "is empty";
  const eq = name.indexOf("=");
  if (eq >= 0) return `holds "=" (at index ${eq})`;
  return environValueProblem(name);
}
