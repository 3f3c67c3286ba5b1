//! Reading a written PDF back by the format's rules, so the tests check what a reader would see
//! rather than the writer's own idea of it.

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Name(String),
    Str(Vec<u8>),
    Op(String),
}

/// Tokenizes a content stream by the PDF rules (nested parentheses, backslash escapes), so a
/// string that escaped its parentheses would show up as stray operators.
fn tokens(content: &[u8]) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < content.len() {
        let c = content[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'(' {
            let (mut depth, mut s) = (1, Vec::new());
            i += 1;
            loop {
                let c = content[i];
                i += 1;
                match c {
                    b'\\' => {
                        let e = content[i];
                        if e.is_ascii_digit() {
                            let digits = content[i..].iter().take(3).take_while(|d| (b'0'..=b'7').contains(d));
                            let n = digits.count();
                            let text = std::str::from_utf8(&content[i..i + n]).unwrap();
                            s.push(u8::from_str_radix(text, 8).unwrap());
                            i += n;
                        } else {
                            assert!(b"()\\".contains(&e), "unexpected escape \\{}", e as char);
                            s.push(e);
                            i += 1;
                        }
                    }
                    b'(' => {
                        depth += 1;
                        s.push(c);
                    }
                    b')' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                        s.push(c);
                    }
                    _ => s.push(c),
                }
            }
            out.push(Tok::Str(s));
        } else {
            let end = content[i..]
                .iter()
                .skip(1)
                .position(|b| b.is_ascii_whitespace() || b"()/[]<>%".contains(b))
                .map_or(content.len(), |p| i + 1 + p);
            let word = std::str::from_utf8(&content[i..end]).unwrap().to_string();
            out.push(if let Some(name) = word.strip_prefix('/') {
                Tok::Name(name.into())
            } else if let Ok(n) = word.parse() {
                Tok::Num(n)
            } else {
                Tok::Op(word)
            });
            i = end;
        }
    }
    out
}

/// What the page draws: its text strings in order, and each QR's module grid.
pub(super) struct Drawn {
    pub(super) texts: Vec<Vec<u8>>,
    pub(super) qr: Vec<(Vec<f64>, Vec<[i64; 4]>)>,
}

/// Checks every operator takes the operands it should, and collects what is drawn.
pub(super) fn drawn(content: &[u8]) -> Drawn {
    let mut drawn = Drawn { texts: Vec::new(), qr: Vec::new() };
    let mut operands: Vec<Tok> = Vec::new();
    let nums = |ops: &[Tok]| -> Vec<f64> {
        ops.iter().map(|t| if let Tok::Num(n) = t { *n } else { panic!("{t:?} is not a number") }).collect()
    };
    for tok in tokens(content) {
        let Tok::Op(op) = tok else {
            operands.push(tok);
            continue;
        };
        let args = std::mem::take(&mut operands);
        match (op.as_str(), args.len()) {
            ("BT" | "ET" | "q" | "Q" | "f", 0) => {}
            ("Tf", 2) => {
                assert!(matches!(&args[0], Tok::Name(n) if n == "F1" || n == "F2") && nums(&args[1..])[0] > 0.0)
            }
            ("Td", 2) => drop(nums(&args)),
            ("g", 1) => assert_eq!(nums(&args), [0.0]),
            ("cm", 6) => drawn.qr.push((nums(&args), Vec::new())),
            ("re", 4) => {
                let n = nums(&args);
                assert!(n.iter().all(|v| v.fract() == 0.0), "QR rectangles are whole modules: {n:?}");
                let rect = [n[0] as i64, n[1] as i64, n[2] as i64, n[3] as i64];
                drawn.qr.last_mut().expect("a rectangle inside the QR's transform").1.push(rect);
            }
            ("Tj", 1) => match &args[0] {
                Tok::Str(s) => drawn.texts.push(s.clone()),
                other => panic!("Tj of {other:?}"),
            },
            (op, n) => panic!("unexpected operator {op} with {n} operands"),
        }
    }
    assert!(operands.is_empty(), "operands without an operator: {operands:?}");
    drawn
}

/// The PDF's objects by number, checked through the xref table and the stream's /Length.
pub(super) fn objects(pdf: &[u8]) -> Vec<Vec<u8>> {
    assert!(pdf.starts_with(b"%PDF-1.4\n"));
    assert!(pdf.ends_with(b"%%EOF\n"));
    // The tail (xref table and trailer) is ASCII; the header's binary marker is not.
    let tail_at = pdf.windows(10).rposition(|w| w == b"startxref\n").expect("startxref");
    let tail = std::str::from_utf8(&pdf[tail_at..]).unwrap();
    let startxref: usize = tail.lines().nth(1).unwrap().parse().unwrap();
    let xref = std::str::from_utf8(&pdf[startxref..]).unwrap();
    let mut lines = xref.lines();
    assert_eq!(lines.next(), Some("xref"));
    let count: usize = lines.next().unwrap().strip_prefix("0 ").unwrap().parse().unwrap();
    assert_eq!(lines.next(), Some("0000000000 65535 f "));
    assert!(xref.contains(&format!("trailer\n<< /Size {count} /Root 1 0 R")));
    (1..count)
        .map(|n| {
            let entry = lines.next().unwrap();
            assert_eq!(entry.len(), 19, "xref entries are 20 bytes with their newline");
            let offset: usize = entry[..10].parse().unwrap();
            let head = format!("{n} 0 obj\n");
            assert!(pdf[offset..].starts_with(head.as_bytes()), "xref entry {n} points at the wrong byte");
            let body = &pdf[offset + head.len()..];
            let end = body.windows(7).position(|w| w == b"endobj\n").unwrap();
            body[..end].to_vec()
        })
        .collect()
}

pub(super) fn content(pdf: &[u8]) -> Vec<u8> {
    let objects = objects(pdf);
    let stream = objects.iter().find(|o| o.starts_with(b"<< /Length ")).expect("a content stream");
    let text = String::from_utf8_lossy(stream);
    let length: usize = text["<< /Length ".len()..].split(' ').next().unwrap().parse().unwrap();
    let start = stream.windows(7).position(|w| w == b"stream\n").unwrap() + 7;
    assert_eq!(&stream[start + length..], b"endstream\n", "/Length is the stream's exact size");
    stream[start..start + length].to_vec()
}
