// A deliberately small XML parser for checking the SVGs we generate: elements, attributes in
// double or single quotes, text, the five predefined entities and numeric character references.
// Anything else (comments, CDATA, DOCTYPE, processing instructions) is rejected, because our
// generator never writes them. Throws with the offset on any well-formedness error:
// unbalanced or mismatched tags, duplicate attributes, a raw '<', '>' (stricter than XML:
// our escaper always escapes it) or a bare '&' in text, or
// content after the root element.

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Decoded text directly inside this element (not its descendants'), concatenated. */
  text: string;
}

const NAME = /[A-Za-z_:][\w:.-]*/y;

function decode(raw: string, at: number): string {
  return raw.replace(/&([^;&<>\s]*);?/g, (m, body: string) => {
    if (!m.endsWith(';')) throw new Error(`bare '&' at offset ${at}`);
    switch (body) {
      case 'amp': return '&';
      case 'lt': return '<';
      case 'gt': return '>';
      case 'quot': return '"';
      case 'apos': return "'";
    }
    if (/^#\d+$/.test(body)) return String.fromCodePoint(Number(body.slice(1)));
    if (/^#x[0-9a-fA-F]+$/.test(body)) return String.fromCodePoint(parseInt(body.slice(2), 16));
    throw new Error(`unknown entity &${body}; at offset ${at}`);
  });
}

export function parseXml(src: string): XmlElement {
  let i = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const ws = () => { while (i < src.length && /\s/.test(src[i]!)) i++; };
  const name = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(src);
    if (!m) throw new Error(`expected a name at offset ${i}`);
    i += m[0].length;
    return m[0];
  };
  while (i < src.length) {
    if (src[i] !== '<') {
      const end = src.indexOf('<', i);
      const raw = src.slice(i, end === -1 ? src.length : end);
      if (raw.includes('>')) throw new Error(`raw '>' in text at offset ${i}`);
      const text = decode(raw, i);
      if (stack.length === 0) {
        if (text.trim() !== '') throw new Error(`text outside the root element at offset ${i}`);
      } else stack[stack.length - 1]!.text += text;
      i = end === -1 ? src.length : end;
      continue;
    }
    if (src.startsWith('</', i)) {
      i += 2;
      const n = name();
      ws();
      if (src[i] !== '>') throw new Error(`expected '>' closing </${n} at offset ${i}`);
      i++;
      const open = stack.pop();
      if (!open) throw new Error(`closing </${n}> with nothing open, at offset ${i}`);
      if (open.name !== n) throw new Error(`mismatched tags: <${open.name}> closed by </${n}> at offset ${i}`);
      continue;
    }
    if (src[i + 1] === '!' || src[i + 1] === '?') throw new Error(`unsupported markup at offset ${i}`);
    i++;
    const el: XmlElement = { name: name(), attrs: {}, children: [], text: '' };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(el);
    else if (root) throw new Error(`second root element <${el.name}> at offset ${i}`);
    else root = el;
    for (;;) {
      const before = i;
      ws();
      if (src.startsWith('/>', i)) { i += 2; break; }
      if (src[i] === '>') { i++; stack.push(el); break; }
      if (i === before) throw new Error(`expected whitespace before an attribute at offset ${i}`);
      const a = name();
      ws();
      if (src[i] !== '=') throw new Error(`attribute ${a} without '=' at offset ${i}`);
      i++;
      ws();
      const q = src[i];
      if (q !== '"' && q !== "'") throw new Error(`attribute ${a} value not quoted at offset ${i}`);
      const end = src.indexOf(q, i + 1);
      if (end === -1) throw new Error(`unterminated attribute ${a} at offset ${i}`);
      const raw = src.slice(i + 1, end);
      if (raw.includes('<')) throw new Error(`raw '<' in attribute ${a} at offset ${i}`);
      if (a in el.attrs) throw new Error(`duplicate attribute ${a} on <${el.name}> at offset ${i}`);
      el.attrs[a] = decode(raw, i);
      i = end + 1;
    }
  }
  if (stack.length) throw new Error(`unclosed <${stack[stack.length - 1]!.name}> at end of input`);
  if (!root) throw new Error('no root element');
  return root;
}

/** Every element in document order (root first). */
export function allElements(root: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement) => { out.push(e); e.children.forEach(walk); };
  walk(root);
  return out;
}

/** Decoded text of an element and all its descendants. */
export function textOf(e: XmlElement): string {
  return e.text + e.children.map(textOf).join('');
}
