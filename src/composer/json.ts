// JSON value types shared by the composer modules, and a strict JSON text parser that accepts
// exactly what PHP's json_decode accepts and reports errors with a line and column.

export type JsonPrimitive = null | boolean | number | string;
export type JsonArray = JsonValue[];
export type JsonObject = { [key: string]: JsonValue };
export type JsonValue = JsonPrimitive | JsonArray | JsonObject;

export function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Sets a key the way JSON.parse does: as an own, enumerable property, also for "__proto__",
 * which plain assignment would turn into a prototype change. Re-setting an existing key keeps
 * its position, as PHP does for duplicate keys (the last value wins).
 */
export function setJsonKey(target: JsonObject, key: string, value: JsonValue): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

export type JsonParseResult =
  | { ok: true; value: JsonValue }
  | { ok: false; message: string; line: number; column: number };

// PHP's json_decode default depth is 512, and a container counts one level more than its
// contents, so at most 511 nested arrays/objects decode; composer would reject deeper files.
export const MAX_JSON_NESTING = 511;

class JsonSyntaxError extends Error {
  constructor(message: string, readonly index: number) {
    super(message);
  }
}

/** Parses JSON text strictly (RFC 8259 plus PHP's limits: nesting depth, paired surrogates). */
export function parseJsonText(text: string): JsonParseResult {
  try {
    const parser = new Parser(text);
    return { ok: true, value: parser.parseDocument() };
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    const { line, column } = lineAndColumn(text, error.index);
    return { ok: false, message: error.message, line, column };
  }
}

/** 1-based line and column (in characters, a CRLF counts as one line break) of a UTF-16 index. */
export function lineAndColumn(text: string, index: number): { line: number; column: number } {
  let line = 1;
  let column = 1;
  for (let i = 0; i < index && i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x0a || (code === 0x0d && text.charCodeAt(i + 1) !== 0x0a)) {
      line++;
      column = 1;
    } else if (code >= 0xd800 && code <= 0xdbff && i + 1 < index) {
      // an astral character is one column, not two UTF-16 units
      i++;
      column++;
    } else if (code !== 0x0d) {
      column++;
    }
  }
  return { line, column };
}

function describeChar(text: string, index: number): string {
  const code = text.codePointAt(index);
  if (code === undefined) return 'end of input';
  if (code < 0x20 || code === 0x7f) return `character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return `token ${String.fromCodePoint(code)}`;
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

class Parser {
  private pos = 0;
  private depth = 0;

  constructor(private readonly text: string) {}

  parseDocument(): JsonValue {
    this.skipWhitespace();
    if (this.text.charCodeAt(0) === 0xfeff) {
      // json_decode fails on a byte order mark, so composer cannot read such a file either
      throw new JsonSyntaxError('Unexpected byte order mark (save the file as UTF-8 without BOM)', 0);
    }
    const value = this.parseValue();
    this.skipWhitespace();
    if (this.pos < this.text.length) this.unexpected();
    return value;
  }

  private unexpected(): never {
    throw new JsonSyntaxError(`Unexpected ${describeChar(this.text, this.pos)}`, this.pos);
  }

  private skipWhitespace(): void {
    for (;;) {
      const c = this.text.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.pos++;
      else return;
    }
  }

  private parseValue(): JsonValue {
    const c = this.text[this.pos];
    switch (c) {
      case '{':
        return this.parseObject();
      case '[':
        return this.parseArray();
      case '"':
        return this.parseString();
      case 't':
        return this.parseLiteral('true', true);
      case 'f':
        return this.parseLiteral('false', false);
      case 'n':
        return this.parseLiteral('null', null);
      default:
        if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.parseNumber();
        return this.unexpected();
    }
  }

  private parseLiteral<T extends JsonValue>(word: string, value: T): T {
    for (let i = 0; i < word.length; i++) {
      if (this.text[this.pos] !== word[i]) this.unexpected();
      this.pos++;
    }
    return value;
  }

  private parseNumber(): number {
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (match === null) return this.unexpected();
    const value = Number(match[0]);
    if (!Number.isFinite(value)) {
      // PHP would decode INF, which json_encode then refuses: nothing could publish it
      throw new JsonSyntaxError(`Number ${match[0]} is out of range`, this.pos);
    }
    this.pos += match[0].length;
    return value;
  }

  private parseString(): string {
    const start = this.pos;
    this.pos++; // opening quote
    let out = '';
    let chunkStart = this.pos;
    for (;;) {
      const c = this.text.charCodeAt(this.pos);
      if (Number.isNaN(c)) throw new JsonSyntaxError('Unterminated string', start);
      if (c === 0x22) {
        out += this.text.slice(chunkStart, this.pos);
        this.pos++;
        return out;
      }
      if (c < 0x20) {
        throw new JsonSyntaxError(`Unescaped ${describeChar(this.text, this.pos)} in string`, this.pos);
      }
      if (c !== 0x5c) {
        this.pos++;
        continue;
      }
      out += this.text.slice(chunkStart, this.pos);
      out += this.parseEscape();
      chunkStart = this.pos;
    }
  }

  private parseEscape(): string {
    const escapeStart = this.pos;
    const letter = this.text[this.pos + 1];
    if (letter === undefined) throw new JsonSyntaxError('Unterminated string', escapeStart);
    const simple = ESCAPES[letter];
    if (simple !== undefined) {
      this.pos += 2;
      return simple;
    }
    if (letter !== 'u') throw new JsonSyntaxError(`Bad escape \\${letter} in string`, escapeStart);
    const high = this.readHex4(escapeStart);
    if (high >= 0xdc00 && high <= 0xdfff) {
      throw new JsonSyntaxError('Unpaired UTF-16 surrogate in \\u escape', escapeStart);
    }
    if (high < 0xd800 || high > 0xdbff) return String.fromCharCode(high);
    // PHP rejects a high surrogate that is not directly followed by an escaped low surrogate
    if (this.text[this.pos] !== '\\' || this.text[this.pos + 1] !== 'u') {
      throw new JsonSyntaxError('Unpaired UTF-16 surrogate in \\u escape', escapeStart);
    }
    const low = this.readHex4(escapeStart);
    if (low < 0xdc00 || low > 0xdfff) {
      throw new JsonSyntaxError('Unpaired UTF-16 surrogate in \\u escape', escapeStart);
    }
    return String.fromCharCode(high, low);
  }

  /** Reads `\uXXXX` at pos, advancing past it. */
  private readHex4(escapeStart: number): number {
    const hex = this.text.slice(this.pos + 2, this.pos + 6);
    if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new JsonSyntaxError('Bad \\u escape in string', escapeStart);
    this.pos += 6;
    return parseInt(hex, 16);
  }

  private enter(): void {
    this.depth++;
    if (this.depth > MAX_JSON_NESTING) {
      throw new JsonSyntaxError(`Nesting deeper than ${MAX_JSON_NESTING} levels`, this.pos);
    }
    this.pos++;
    this.skipWhitespace();
  }

  private parseArray(): JsonArray {
    this.enter();
    const out: JsonArray = [];
    if (this.text[this.pos] === ']') {
      this.pos++;
      this.depth--;
      return out;
    }
    for (;;) {
      out.push(this.parseValue());
      this.skipWhitespace();
      const c = this.text[this.pos];
      this.pos++;
      if (c === ']') break;
      if (c !== ',') {
        this.pos--;
        this.unexpected();
      }
      this.skipWhitespace();
    }
    this.depth--;
    return out;
  }

  private parseObject(): JsonObject {
    this.enter();
    const out: JsonObject = {};
    if (this.text[this.pos] === '}') {
      this.pos++;
      this.depth--;
      return out;
    }
    for (;;) {
      if (this.text[this.pos] !== '"') this.unexpected();
      const key = this.parseString();
      this.skipWhitespace();
      if (this.text[this.pos] !== ':') this.unexpected();
      this.pos++;
      this.skipWhitespace();
      setJsonKey(out, key, this.parseValue());
      this.skipWhitespace();
      const c = this.text[this.pos];
      this.pos++;
      if (c === '}') break;
      if (c !== ',') {
        this.pos--;
        this.unexpected();
      }
      this.skipWhitespace();
    }
    this.depth--;
    return out;
  }
}
