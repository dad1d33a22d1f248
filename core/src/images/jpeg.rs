//! JPEG completeness: the decoder fills a truncated JPEG with grey instead of failing, so the
//! marker structure is walked to find the end-of-image marker first.

/// Whether `b` is a JPEG whose segments and scans run to an end-of-image marker (`FF D9`).
/// Bytes after that marker (camera trailers, motion-photo videos) are allowed; stray bytes
/// between segments are skipped, as libjpeg does.
pub(super) fn is_complete(b: &[u8]) -> bool {
    if !b.starts_with(&[0xFF, 0xD8]) {
        return false;
    }
    let mut i = 2;
    loop {
        // The next marker: skip to an 0xFF, then over fill bytes.
        let Some(ff) = b
            .get(i..)
            .and_then(|rest| rest.iter().position(|&x| x == 0xFF))
        else {
            return false;
        };
        i += ff;
        while b.get(i) == Some(&0xFF) {
            i += 1;
        }
        let Some(&marker) = b.get(i) else {
            return false;
        };
        i += 1;
        match marker {
            0xD9 => return true,
            // Stand-alone markers: TEM, RSTn, a stray SOI.
            0x01 | 0xD0..=0xD8 => continue,
            0x00 => continue,
            _ => {}
        }
        let Some(len) = b
            .get(i..i + 2)
            .map(|l| usize::from(u16::from_be_bytes([l[0], l[1]])))
        else {
            return false;
        };
        if len < 2 {
            return false;
        }
        i += len;
        if i > b.len() {
            return false;
        }
        if marker == 0xDA {
            // Entropy-coded data: runs to the next marker that is not a stuffed 0xFF00 or a
            // restart marker.
            loop {
                let Some(ff) = b
                    .get(i..)
                    .and_then(|rest| rest.iter().position(|&x| x == 0xFF))
                else {
                    return false;
                };
                i += ff;
                match b.get(i + 1) {
                    None => return false,
                    Some(0x00 | 0xD0..=0xD7 | 0xFF) => i += 1,
                    Some(_) => break,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_complete;

    #[test]
    fn structure() {
        let sos = [0xFF, 0xDA, 0x00, 0x02];
        let mut good = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0xAA, 0xBB];
        good.extend_from_slice(&sos);
        good.extend_from_slice(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xFF]);
        good.extend_from_slice(&[0xFF, 0xD9]);
        let cases: &[(&str, Vec<u8>, bool)] = &[
            ("complete", good.clone(), true),
            (
                "trailer after end",
                [good.clone(), b"ftypmp4 video".to_vec()].concat(),
                true,
            ),
            ("truncated in scan", good[..good.len() - 2].to_vec(), false),
            ("truncated in segment", good[..7].to_vec(), false),
            ("truncated in length", good[..5].to_vec(), false),
            ("only start", vec![0xFF, 0xD8], false),
            ("not a jpeg", b"PNG".to_vec(), false),
            ("empty", vec![], false),
            (
                "bad length",
                vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x01, 0xFF, 0xD9],
                false,
            ),
            (
                "stray bytes between segments",
                vec![0xFF, 0xD8, 0x00, 0x11, 0xFF, 0xD9],
                true,
            ),
        ];
        for (name, bytes, want) in cases {
            assert_eq!(is_complete(bytes), *want, "{name}");
        }
    }
}
