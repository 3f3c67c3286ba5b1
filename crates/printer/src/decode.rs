//! Reading ESC/POS bytes back into what a printer would print: the lines of text (in code page
//! PC858), the double-size ones, QR codes, raster images, cuts and drawer pulses.
//!
//! It understands exactly the commands `encode` and `drawer_kick` send, and refuses anything
//! else with its offset, so a stray byte in a receipt fails a test instead of printing garbage.

use crate::codepage::{self, PC858};
use crate::encode::LF;

const ESC: u8 = 0x1B;
const GS: u8 = 0x1D;

/// What the printer would print.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Printed {
    /// Every line of text as printed, in order (without the centring the printer adds).
    pub lines: Vec<String>,
    /// The lines printed double size.
    pub strong_lines: Vec<String>,
    /// The text of each QR code the printer drew (GS ( k).
    pub qr: Vec<String>,
    /// Raster images (GS v 0).
    pub rasters: Vec<Raster>,
    pub cuts: usize,
    pub drawer_kicks: usize,
}

/// A 1-bit image as sent with GS v 0: rows of `width_px / 8` bytes, most significant bit leftmost,
/// a set bit black.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raster {
    pub width_px: u32,
    pub height_px: u32,
    pub bits: Vec<u8>,
}

impl Raster {
    pub fn is_dark(&self, x: u32, y: u32) -> bool {
        let i = (y * self.width_px.div_ceil(8) + x / 8) as usize;
        self.bits[i] & (0x80 >> (x % 8)) != 0
    }

    /// Black on white, as the paper shows it.
    pub fn to_luma(&self) -> image::GrayImage {
        image::GrayImage::from_fn(self.width_px, self.height_px, |x, y| {
            image::Luma([if self.is_dark(x, y) { 0 } else { 255 }])
        })
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, at: usize) -> Result<&'a [u8], String> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or_else(|| format!("command at offset {at} is cut short"))?;
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn byte(&mut self, at: usize) -> Result<u8, String> {
        Ok(self.take(1, at)?[0])
    }
}

#[derive(Default)]
struct State {
    printed: Printed,
    text: String,
    pc858: bool,
    double: bool,
    stored_qr: Option<String>,
}

impl State {
    fn end_line(&mut self) {
        let line = std::mem::take(&mut self.text);
        if self.double {
            self.printed.strong_lines.push(line.clone());
        }
        self.printed.lines.push(line);
    }

    fn no_pending_text(&self, what: &str, at: usize) -> Result<(), String> {
        match self.text.is_empty() {
            true => Ok(()),
            false => Err(format!("{what} at offset {at} follows text not ended by a line feed: {:?}", self.text)),
        }
    }
}

/// Reads `bytes` as `encode` writes them.
pub fn decode(bytes: &[u8]) -> Result<Printed, String> {
    let mut r = Reader { bytes, pos: 0 };
    let mut s = State::default();
    while r.pos < bytes.len() {
        let at = r.pos;
        let b = r.byte(at)?;
        match b {
            LF => s.end_line(),
            ESC => esc(&mut r, &mut s, at)?,
            GS => gs(&mut r, &mut s, at)?,
            _ => match codepage::to_char(b) {
                Some(c) if b < 0x80 || s.pc858 => s.text.push(c),
                Some(_) => {
                    return Err(format!("byte {b:#04x} at offset {at} comes before code page PC858 is selected"))
                }
                None => return Err(format!("unknown byte {b:#04x} at offset {at}")),
            },
        }
    }
    s.no_pending_text("the end", bytes.len())?;
    Ok(s.printed)
}

fn esc(r: &mut Reader, s: &mut State, at: usize) -> Result<(), String> {
    let cmd = r.byte(at)?;
    match cmd {
        // ESC @: initialise (code page and size back to their defaults).
        b'@' => {
            s.no_pending_text("ESC @", at)?;
            (s.pc858, s.double) = (false, false);
        }
        // ESC t n: code page.
        b't' => match r.byte(at)? {
            PC858 => s.pc858 = true,
            n => return Err(format!("ESC t {n} at offset {at} selects a code page other than PC858 ({PC858})")),
        },
        // ESC a n: justification.
        b'a' => match r.byte(at)? {
            0..=2 | 48..=50 => {}
            n => return Err(format!("ESC a {n} at offset {at} is no justification")),
        },
        // ESC E n: bold on or off.
        b'E' => {
            r.byte(at)?;
        }
        // ESC d n: print the buffer and feed n lines.
        b'd' => {
            r.byte(at)?;
            if !s.text.is_empty() {
                s.end_line();
            }
        }
        // ESC p m t1 t2: drawer pulse.
        b'p' => match r.take(3, at)?[0] {
            0 | 1 | 48 | 49 => s.printed.drawer_kicks += 1,
            m => return Err(format!("ESC p {m} at offset {at} names no drawer pin")),
        },
        _ => return Err(format!("unknown command ESC {cmd:#04x} at offset {at}")),
    }
    Ok(())
}

fn gs(r: &mut Reader, s: &mut State, at: usize) -> Result<(), String> {
    let cmd = r.byte(at)?;
    match cmd {
        // GS ! n: character size; anything but normal size is a strong line.
        b'!' => s.double = r.byte(at)? != 0,
        // GS V m [n]: cut.
        b'V' => {
            s.no_pending_text("GS V", at)?;
            match r.byte(at)? {
                0 | 1 | 48 | 49 => {}
                65 | 66 => {
                    r.byte(at)?;
                }
                m => return Err(format!("GS V {m} at offset {at} is no cut")),
            }
            s.printed.cuts += 1;
        }
        // GS ( k pL pH cn fn …: 2D codes; only QR (cn 49).
        b'(' => {
            if r.byte(at)? != b'k' {
                return Err(format!("unknown command GS ( at offset {at}"));
            }
            let len = r.take(2, at)?;
            let body = r.take(usize::from(u16::from_le_bytes([len[0], len[1]])), at)?;
            qr(body, s, at)?;
        }
        // GS v 0 m xL xH yL yH d…: raster image.
        b'v' => {
            let head = r.take(6, at)?;
            if head[0] != b'0' || head[1] != 0 {
                return Err(format!("GS v at offset {at} is not a normal-density raster (GS v 0 0)"));
            }
            let (x, y) = (u16::from_le_bytes([head[2], head[3]]), u16::from_le_bytes([head[4], head[5]]));
            let bits = r.take(usize::from(x) * usize::from(y), at)?.to_vec();
            s.printed.rasters.push(Raster { width_px: u32::from(x) * 8, height_px: u32::from(y), bits });
        }
        _ => return Err(format!("unknown command GS {cmd:#04x} at offset {at}")),
    }
    Ok(())
}

fn qr(body: &[u8], s: &mut State, at: usize) -> Result<(), String> {
    match body {
        // Model 2.
        [49, 65, 50, 0] => {}
        // Module size, error correction level.
        [49, 67, 1..=16] | [49, 69, 48..=51] => {}
        // Store the data.
        [49, 80, 48, data @ ..] => {
            let text = String::from_utf8(data.to_vec()).map_err(|_| format!("QR data at offset {at} is not UTF-8"))?;
            s.stored_qr = Some(text);
        }
        // Print the stored data.
        [49, 81, 48] => {
            s.no_pending_text("a QR code", at)?;
            let text = s.stored_qr.take().ok_or_else(|| format!("QR print at offset {at} without stored data"))?;
            s.printed.qr.push(text);
        }
        _ => return Err(format!("unknown QR command GS ( k {body:?} at offset {at}")),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stray_and_truncated_bytes_are_errors_naming_their_offset() {
        assert_eq!(decode(b"ab\n\x07").unwrap_err(), "unknown byte 0x07 at offset 3");
        assert_eq!(decode(b"\x1b@\x1bZ").unwrap_err(), "unknown command ESC 0x5a at offset 2");
        assert_eq!(decode(b"\x1dv0\x00\x01\x00\x05\x00\xff").unwrap_err(), "command at offset 0 is cut short");
        assert!(decode(b"\x1b@\x1bt\x10").unwrap_err().contains("PC858"));
        assert!(decode(b"caf\x82\n").unwrap_err().contains("before code page PC858"));
        assert!(decode(b"no line feed").unwrap_err().contains("not ended by a line feed"));
        assert!(decode(b"\x1d(k\x03\x001Q0").unwrap_err().contains("without stored data"));
    }

    #[test]
    fn text_sizes_cuts_and_pulses_are_read_back() {
        let bytes = b"\x1b@\x1bp\x00\x19\xfa\x1bt\x13caf\x82\n\x1d!\x11\xd5 5\n\x1d!\x00x\n\x1dVB\x00";
        let p = decode(bytes).unwrap();
        assert_eq!(p.lines, ["café", "€ 5", "x"]);
        assert_eq!(p.strong_lines, ["€ 5"]);
        assert_eq!((p.cuts, p.drawer_kicks), (1, 1));
        assert_eq!(decode(&crate::drawer_kick()).unwrap(), Printed { drawer_kicks: 1, ..Printed::default() });
    }

    #[test]
    fn a_raster_reads_back_pixel_for_pixel() {
        let p = decode(b"\x1dv0\x00\x01\x00\x02\x00\x81\x40").unwrap();
        let r = &p.rasters[0];
        assert_eq!((r.width_px, r.height_px), (8, 2));
        let img = r.to_luma();
        let dark: Vec<(u32, u32)> = img.enumerate_pixels().filter(|p| p.2 .0[0] == 0).map(|p| (p.0, p.1)).collect();
        assert_eq!(dark, [(0, 0), (7, 0), (1, 1)]);
    }
}
