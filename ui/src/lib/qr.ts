// Shows the backend's QR code (an SVG document, `paydesk_till::qr::qr_svg`) through one long-lived
// <svg> per place it appears, updated in place sale after sale.
//
// Why not {@html}: every <svg> path WebKitGTK parses and the page then drops keeps its memory until
// a full garbage collection, which a page this small rarely triggers. At one QR code a sale that was
// about 0.1 MiB a sale in the web process, never given back (bench/memory, issue 18). Setting the
// `d` of a path that stays alive replaces its data instead, and memory stays flat.

const SVG_NS = 'http://www.w3.org/2000/svg';

/** What the backend's SVG holds: a viewBox, a light background and one dark path. */
export interface QrParts {
  viewBox: string;
  light: string;
  dark: string;
  d: string;
}

/** The parts of the backend's QR SVG (`<svg viewBox><rect fill/><path fill d/></svg>`), or null if
 *  it has another shape: then the caller shows it as it is, so a changed backend still shows a code. */
export function qrParts(svg: string): QrParts | null {
  const viewBox = /<svg\b[^>]*\sviewBox="([^"]+)"/.exec(svg)?.[1];
  const light = /<rect\b[^>]*\sfill="([^"]+)"/.exec(svg)?.[1];
  const path = /<path\b([^>]*)\/>/.exec(svg)?.[1];
  const dark = path && /\sfill="([^"]+)"/.exec(path)?.[1];
  const d = path && /\sd="([^"]+)"/.exec(path)?.[1];
  if (!viewBox || !light || !dark || !d || (svg.match(/<path\b/g) ?? []).length !== 1) return null;
  return { viewBox, light, dark, d };
}

/** The one <svg> of each place ('invoice', 'customer', 'receipt'), kept for the window's life. */
const kept = new Map<string, SVGSVGElement>();

function keptSvg(place: string): SVGSVGElement {
  let svg = kept.get(place);
  if (!svg) {
    svg = document.createElementNS(SVG_NS, 'svg');
    svg.setAttribute('shape-rendering', 'crispEdges');
    const rect = document.createElementNS(SVG_NS, 'rect');
    rect.setAttribute('width', '100%');
    rect.setAttribute('height', '100%');
    svg.append(rect, document.createElementNS(SVG_NS, 'path'));
    kept.set(place, svg);
  }
  return svg;
}

function show(node: HTMLElement, place: string, code: string) {
  const parts = qrParts(code);
  if (!parts) {
    node.innerHTML = code;
    return;
  }
  const svg = keptSvg(place);
  const [rect, path] = [svg.querySelector('rect')!, svg.querySelector('path')!];
  svg.setAttribute('viewBox', parts.viewBox);
  rect.setAttribute('fill', parts.light);
  path.setAttribute('fill', parts.dark);
  // Only a new code is parsed again.
  if (path.getAttribute('d') !== parts.d) path.setAttribute('d', parts.d);
  if (svg.parentNode !== node) node.replaceChildren(svg);
}

/** Svelte action: `<div use:qrCode={{ place: 'invoice', svg }}>` shows `svg` in that place's <svg>. */
export function qrCode(node: HTMLElement, params: { place: string; svg: string }) {
  show(node, params.place, params.svg);
  return {
    update(next: { place: string; svg: string }) {
      show(node, next.place, next.svg);
    },
  };
}
