// Draws Airlock's tray and app icons as PNG files, with no image library: a hatch-like ring
// with a bar, and a badge for "needs attention" (a dot) or "error" (a cross). macOS gets
// black template images (the menu bar tints them); other platforms get coloured ones.
// Run directly (`node build/tray-icons.js [DIR]`) or through scripts/build-electron.js.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** An RGBA image (width*height*4 bytes) as a PNG file. */
export function encodePng(width, height, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    rgba.copy(raw, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const BADGE = { x: 0.8, y: 0.2, r: 0.17 };

function segmentDistance(px, py, ax, ay, bx, by) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** Coverage of the glyph and the badge at a point of the unit square. */
function shapeAt(x, y, status) {
  const r = Math.hypot(x - 0.5, y - 0.5);
  let glyph = (r > 0.27 && r < 0.42) || (Math.abs(y - 0.5) < 0.065 && Math.abs(x - 0.5) < 0.3);
  let badge = false;
  if (status !== 'ok') {
    const b = Math.hypot(x - BADGE.x, y - BADGE.y);
    if (b < BADGE.r + 0.07) glyph = false; // a gap around the badge keeps it legible
    if (status === 'attention') badge = b < BADGE.r;
    else {
      const k = BADGE.r * 0.8;
      const d = Math.min(
        segmentDistance(x, y, BADGE.x - k, BADGE.y - k, BADGE.x + k, BADGE.y + k),
        segmentDistance(x, y, BADGE.x - k, BADGE.y + k, BADGE.x + k, BADGE.y - k),
      );
      badge = d < 0.06;
    }
  }
  return { glyph, badge };
}

const COLOURS = {
  ok: [46, 157, 79],
  attention: [232, 163, 23],
  error: [214, 59, 59],
};

/** Renders one icon with 4x4 supersampling. */
export function drawIcon(size, status, template) {
  const rgba = Buffer.alloc(size * size * 4);
  const samples = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let glyph = 0;
      let badge = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const shape = shapeAt((px + (sx + 0.5) / samples) / size, (py + (sy + 0.5) / samples) / size, status);
          if (shape.badge) badge++;
          else if (shape.glyph) glyph++;
        }
      }
      const total = samples * samples;
      const alpha = (glyph + badge) / total;
      const i = (py * size + px) * 4;
      if (alpha === 0) continue;
      const [r, g, b] = template ? [0, 0, 0] : COLOURS[status];
      rgba[i] = r;
      rgba[i + 1] = g;
      rgba[i + 2] = b;
      rgba[i + 3] = Math.round(alpha * 255);
    }
  }
  return encodePng(size, size, rgba);
}

/** The 512px application icon: a white glyph on a rounded blue square. */
export function drawAppIcon(size = 512) {
  const rgba = Buffer.alloc(size * size * 4);
  const samples = 3;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let bg = 0;
      let fg = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const x = (px + (sx + 0.5) / samples) / size;
          const y = (py + (sy + 0.5) / samples) / size;
          const qx = Math.max(Math.abs(x - 0.5) - 0.3, 0);
          const qy = Math.max(Math.abs(y - 0.5) - 0.3, 0);
          if (Math.hypot(qx, qy) > 0.15) continue;
          const scaled = shapeAt(0.5 + (x - 0.5) / 0.8, 0.5 + (y - 0.5) / 0.8, 'ok');
          if (scaled.glyph) fg++;
          else bg++;
        }
      }
      const total = samples * samples;
      const alpha = (fg + bg) / total;
      if (alpha === 0) continue;
      const mix = fg / (fg + bg);
      const i = (py * size + px) * 4;
      rgba[i] = Math.round(37 + (255 - 37) * mix);
      rgba[i + 1] = Math.round(99 + (255 - 99) * mix);
      rgba[i + 2] = Math.round(235 + (255 - 235) * mix);
      rgba[i + 3] = Math.round(alpha * 255);
    }
  }
  return encodePng(size, size, rgba);
}

/** Writes every tray icon (16px and @2x 32px) into `dir`. */
export function writeTrayIcons(dir) {
  fs.mkdirSync(dir, { recursive: true });
  const written = [];
  for (const status of ['ok', 'attention', 'error']) {
    for (const [suffix, size] of [
      ['', 16],
      ['@2x', 32],
    ]) {
      const coloured = path.join(dir, `tray-${status}${suffix}.png`);
      const template = path.join(
        dir,
        status === 'ok' ? `trayTemplate${suffix}.png` : `tray-${status}Template${suffix}.png`,
      );
      fs.writeFileSync(coloured, drawIcon(size, status, false));
      fs.writeFileSync(template, drawIcon(size, status, true));
      written.push(coloured, template);
    }
  }
  return written;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const dir = process.argv[2] ?? path.join(here, 'tray');
  writeTrayIcons(dir);
  fs.writeFileSync(path.join(here, 'icon.png'), drawAppIcon());
  console.log(`tray icons written to ${dir}`);
}
