import { describe, expect, test } from 'vitest';
import { QR_SVG } from '../test/backend';
import { qrCode, qrParts } from './qr';

const other = QR_SVG.replace('M32 32h56v56H32V32', 'M40 40h8v8H40V40');

function mounted(place: string, svg: string) {
  const node = document.createElement('div');
  document.body.append(node);
  return { node, action: qrCode(node, { place, svg }) };
}

describe('QR code', () => {
  test('the backend shape is read into its parts', () => {
    expect(qrParts(QR_SVG)).toEqual({ viewBox: '0 0 232 232', light: '#fff', dark: '#000', d: 'M32 32h56v56H32V32' });
  });

  test('another shape is not guessed at', () => {
    expect(qrParts('<svg viewBox="0 0 9 9"><path d="M1 1h1"/></svg>')).toBeNull();
    expect(qrParts(QR_SVG.replace('</svg>', '<path fill="#000" d="M0 0h1"/></svg>'))).toBeNull();
  });

  test('one <svg> per place is kept across sales, its path replaced (WebKit keeps dropped paths)', () => {
    const first = mounted('test-a', QR_SVG);
    const svg = first.node.querySelector('svg')!;
    expect(svg.getAttribute('viewBox')).toBe('0 0 232 232');
    expect(svg.querySelector('path')!.getAttribute('d')).toBe('M32 32h56v56H32V32');
    expect(svg.querySelector('rect')!.getAttribute('fill')).toBe('#fff');
    first.node.remove(); // the screen is left

    const second = mounted('test-a', other);
    expect(second.node.querySelector('svg')).toBe(svg);
    expect(svg.querySelectorAll('path')).toHaveLength(1);
    expect(svg.querySelector('path')!.getAttribute('d')).toBe('M40 40h8v8H40V40');

    second.action.update({ place: 'test-a', svg: QR_SVG });
    expect(svg.querySelector('path')!.getAttribute('d')).toBe('M32 32h56v56H32V32');
    expect(mounted('test-b', QR_SVG).node.querySelector('svg')).not.toBe(svg);
  });

  test('a code of another shape is still shown as it came', () => {
    const { node } = mounted('test-c', '<svg viewBox="0 0 9 9"><circle r="2"/></svg>');
    expect(node.querySelector('circle')).not.toBeNull();
  });
});
