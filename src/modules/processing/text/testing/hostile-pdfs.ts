import { deflateSync } from 'node:zlib';

/**
 * Small PDFs that make a reader work hard, built in memory for tests (a few KB each, whatever
 * they expand to). Object 1 is always the catalog.
 */

/** A PDF claiming 10^levels pages: a tree whose every node lists the same child ten times. */
export function pageBombPdf(levels = 6): Buffer {
  const firstNode = 2;
  const font = firstNode + levels;
  const page = font + 1;
  const content = page + 1;
  const objects: Array<string | Buffer> = ['<< /Type /Catalog /Pages 2 0 R >>'];
  for (let level = 0; level < levels; level++) {
    const self = firstNode + level;
    const child = level < levels - 1 ? self + 1 : page;
    const parent = level > 0 ? `/Parent ${self - 1} 0 R ` : '';
    const kids = Array.from({ length: 10 }, () => `${child} 0 R`).join(' ');
    objects.push(`<< /Type /Pages ${parent}/Kids [${kids}] /Count ${10 ** (levels - level)} >>`);
  }
  objects.push('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>');
  objects.push(pageObject(firstNode + levels - 1, font, content));
  objects.push(streamObject(Buffer.from('BT /F1 12 Tf 72 720 Td (The same page again) Tj ET')));
  return pdfFromObjects(objects);
}

/** One page whose compressed content shows `items` separate pieces of text (a heap bomb for the reader). */
export function textItemBombPdf(items: number): Buffer {
  const column = '(ab) Tj 0 -14 Td\n'.repeat(50) + '0 700 Td\n'; // stays on the page: off-page text is dropped
  const operators = 'BT /F1 12 Tf 72 720 Td\n' + column.repeat(Math.ceil(items / 50)) + 'ET';
  return pdfFromObjects([
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [4 0 R] /Count 1 >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    pageObject(2, 3, 5),
    streamObject(deflateSync(operators, { level: 9 }), '/Filter /FlateDecode'),
  ]);
}

/** A PDF of pages given as lines of text, one Helvetica line after another. */
export function textPdf(pages: ReadonlyArray<ReadonlyArray<string>>): Buffer {
  const pageIds = pages.map((_, i) => 4 + 2 * i);
  const objects: Array<string | Buffer> = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pages.length} >>`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  pages.forEach((lines, i) => {
    const shown = lines.map((line) => `(${line.replace(/[\\()]/g, (c) => `\\${c}`)}) '`).join('\n');
    objects.push(pageObject(2, 3, pageIds[i]! + 1));
    objects.push(streamObject(Buffer.from(`BT /F1 12 Tf 72 740 Td 14 TL\n${shown}\nET`, 'latin1')));
  });
  return pdfFromObjects(objects);
}

function pageObject(parent: number, font: number, content: number): string {
  return `<< /Type /Page /Parent ${parent} 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 ${font} 0 R >> >> /Contents ${content} 0 R >>`;
}

function streamObject(data: Buffer, extra = ''): Buffer {
  return Buffer.concat([Buffer.from(`<< /Length ${data.length} ${extra}>>\nstream\n`), data, Buffer.from('\nendstream')]);
}

function pdfFromObjects(objects: ReadonlyArray<string | Buffer>): Buffer {
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n')];
  let length = parts[0]!.length;
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    const object = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`), Buffer.from(body), Buffer.from('\nendobj\n')]);
    offsets.push(length);
    parts.push(object);
    length += object.length;
  });
  const xref = [`xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`, ...offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`)].join('');
  parts.push(Buffer.from(`${xref}trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${length}\n%%EOF\n`));
  return Buffer.concat(parts);
}
