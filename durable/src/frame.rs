//! Frames: the unit every file of the store is made of.
//!
//! A frame is a 12-byte header followed by the payload:
//!
//! ```text
//! len: u32 LE | payload_crc: u32 LE | header_crc: u32 LE | payload (len bytes)
//! ```
//!
//! `payload_crc` is the CRC-32 (IEEE) of the payload and `header_crc` the CRC-32 of the first
//! eight header bytes. The header has its own checksum so that a damaged length is caught before
//! it is believed: without it, a flipped bit in a length in the middle of the log could make
//! that frame seem to run past the end of the file and be cut as a torn tail, silently dropping
//! every acknowledged frame after it.
//!
//! Reading tells a torn tail from corruption by what follows the damaged frame. A crash while
//! appending leaves the bytes after the last durable point missing, short, or zero-filled (a
//! file system that extended the file but had not written the data reads back zeros). So a
//! damaged frame is a *torn tail* when the file ends inside it or only zeros follow it, and
//! *corruption* when anything else follows: a frame that was durable got damaged, and the
//! reader stops with an error rather than guess (docs/durability.md).

use serde::Serialize;

/// Bytes of a frame header.
pub const HEADER_BYTES: usize = 12;

/// Largest payload a frame may carry: 1 GiB. A snapshot is one frame holding a replica's whole
/// state, so this is also the largest state the store can snapshot; it is far above any state
/// a replica keeps in memory here, and it keeps a header whose checksum happens to match garbage
/// from making the reader allocate up to 4 GiB.
pub const PAYLOAD_BYTES_MAX: usize = 1 << 30;

/// Appends one frame holding `value` encoded with postcard to `out`, encoding in place (no
/// intermediate buffer). Returns the frame's length in bytes.
pub fn encode<T: Serialize + ?Sized>(value: &T, out: &mut Vec<u8>) -> Result<usize, EncodeError> {
    let start = out.len();
    out.extend_from_slice(&[0; HEADER_BYTES]);
    if let Err(error) = postcard::to_extend(value, Sink(out)) {
        out.truncate(start);
        return Err(EncodeError::Postcard(error));
    }
    let payload_bytes = out.len() - start - HEADER_BYTES;
    if payload_bytes > PAYLOAD_BYTES_MAX {
        out.truncate(start);
        return Err(EncodeError::TooLarge { payload_bytes });
    }
    let len = u32::try_from(payload_bytes).expect("PAYLOAD_BYTES_MAX fits in u32");
    let payload_crc = crc32fast::hash(&out[start + HEADER_BYTES..]);
    let header = &mut out[start..start + HEADER_BYTES];
    header[0..4].copy_from_slice(&len.to_le_bytes());
    header[4..8].copy_from_slice(&payload_crc.to_le_bytes());
    let header_crc = crc32fast::hash(&header[0..8]);
    header[8..12].copy_from_slice(&header_crc.to_le_bytes());
    Ok(HEADER_BYTES + payload_bytes)
}

/// Lets postcard encode straight onto the end of a borrowed buffer.
struct Sink<'a>(&'a mut Vec<u8>);

impl Extend<u8> for Sink<'_> {
    fn extend<I: IntoIterator<Item = u8>>(&mut self, bytes: I) {
        self.0.extend(bytes);
    }
}

/// Why a value could not be framed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// postcard could not encode the value.
    #[error("encoding failed: {0}")]
    Postcard(postcard::Error),
    /// The encoded value is above [`PAYLOAD_BYTES_MAX`].
    #[error("encoded value of {payload_bytes} bytes is above the frame limit of {PAYLOAD_BYTES_MAX}")]
    TooLarge {
        /// The encoded size.
        payload_bytes: usize,
    },
}

/// What lies at one offset of a file being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step<'a> {
    /// A sound frame; the next one starts at `next`.
    Frame {
        /// The payload.
        payload: &'a [u8],
        /// Offset of the next frame.
        next: usize,
    },
    /// The file ends here, exactly at a frame boundary.
    End,
    /// A torn tail starts here: an interrupted append, to be cut.
    Torn(&'static str),
    /// A damaged frame with data after it: corruption, never cut.
    Corrupt(&'static str),
}

/// Reads the frame at `offset` of `bytes` (the whole file).
pub fn step(bytes: &[u8], offset: usize) -> Step<'_> {
    let rest = &bytes[offset.min(bytes.len())..];
    if rest.is_empty() {
        return Step::End;
    }
    if rest.len() < HEADER_BYTES {
        return Step::Torn("incomplete frame header");
    }
    let word = |at: usize| u32::from_le_bytes(rest[at..at + 4].try_into().expect("4 bytes"));
    if crc32fast::hash(&rest[0..8]) != word(8) {
        return damaged(rest, HEADER_BYTES, "frame header checksum mismatch");
    }
    let len = word(0) as usize;
    if len > PAYLOAD_BYTES_MAX {
        return Step::Corrupt("frame length above the maximum");
    }
    let end = HEADER_BYTES + len;
    if rest.len() < end {
        return Step::Torn("incomplete frame payload");
    }
    let payload = &rest[HEADER_BYTES..end];
    if crc32fast::hash(payload) != word(4) {
        return damaged(rest, end, "frame payload checksum mismatch");
    }
    Step::Frame { payload, next: offset + end }
}

/// A frame that fails a check and spans `rest[..extent]`: torn if only zeros follow it.
fn damaged(rest: &[u8], extent: usize, reason: &'static str) -> Step<'static> {
    if rest[extent..].iter().all(|byte| *byte == 0) {
        Step::Torn(reason)
    } else {
        Step::Corrupt(reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The frames of `values`, and the offset each starts at.
    fn frames<T: Serialize>(values: &[T]) -> (Vec<u8>, Vec<usize>) {
        let mut bytes = Vec::new();
        let mut starts = Vec::new();
        for value in values {
            starts.push(bytes.len());
            encode(value, &mut bytes).unwrap();
        }
        (bytes, starts)
    }

    /// Reads frames until something else: their values, where it stopped, and why.
    fn read_back<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> (Vec<T>, usize, Step<'_>) {
        let (mut values, mut offset) = (Vec::new(), 0);
        loop {
            match step(bytes, offset) {
                Step::Frame { payload, next } => {
                    values.push(postcard::from_bytes(payload).unwrap());
                    offset = next;
                }
                other => return (values, offset, other),
            }
        }
    }

    fn read_all(bytes: &[u8]) -> (Vec<u64>, Step<'_>) {
        let (values, _, end) = read_back(bytes);
        (values, end)
    }

    #[test]
    fn frames_read_back_in_order() {
        let (bytes, _) = frames(&[1, 300, u64::MAX, 0]);
        assert_eq!(read_all(&bytes), (vec![1, 300, u64::MAX, 0], Step::End));
    }

    #[test]
    fn encode_reports_the_frame_length() {
        let mut bytes = vec![9, 9];
        let len = encode(&7u64, &mut bytes).unwrap();
        assert_eq!(len, HEADER_BYTES + 1);
        assert_eq!(bytes.len(), 2 + len);
        assert_eq!(step(&bytes, 2), Step::Frame { payload: &[7], next: 2 + len });
    }

    #[test]
    fn zero_filled_tail_is_torn() {
        let (mut bytes, _) = frames(&[1u64, 2]);
        bytes.extend_from_slice(&[0; 100]);
        let (values, end) = read_all(&bytes);
        assert_eq!(values, vec![1, 2]);
        assert!(matches!(end, Step::Torn(_)), "{end:?}");
    }

    #[test]
    fn damaged_length_in_the_middle_is_corrupt_not_torn() {
        let (mut bytes, starts) = frames(&[1u64, 2, 3]);
        // A length that would run past the end of the file.
        bytes[starts[1] + 3] = 0x7f;
        let (values, end) = read_all(&bytes);
        assert_eq!(values, vec![1]);
        assert_eq!(end, Step::Corrupt("frame header checksum mismatch"));
    }

    fn payloads() -> impl proptest::strategy::Strategy<Value = Vec<Vec<u8>>> {
        proptest::collection::vec(proptest::collection::vec(proptest::num::u8::ANY, 0..40), 1..8)
    }

    proptest::proptest! {
        /// A file cut anywhere reads back as the frames wholly before the cut, ending cleanly
        /// at a frame boundary or in a torn tail: never corruption, never a wrong frame.
        #[test]
        fn any_truncation_reads_the_whole_frames_before_it(payloads in payloads(), cut in 0.0..1.0f64) {
            let (bytes, starts) = frames(&payloads);
            let cut = (bytes.len() as f64 * cut) as usize;
            let whole = starts.iter().skip(1).chain([&bytes.len()]).filter(|end| **end <= cut).count();
            let (read, offset, end) = read_back::<Vec<u8>>(&bytes[..cut]);
            proptest::prop_assert_eq!(&read[..], &payloads[..whole]);
            proptest::prop_assert_eq!(offset, starts.get(whole).copied().unwrap_or(bytes.len()).min(cut));
            proptest::prop_assert!(matches!(end, Step::End | Step::Torn(_)), "{:?}", end);
        }

        /// A flipped byte in any frame but the last stops reading at that frame, as corruption.
        #[test]
        fn any_flipped_byte_before_the_last_frame_is_corruption_at_its_frame(
            payloads in payloads(), at in 0.0..1.0f64, bit in 0u8..8,
        ) {
            let (mut bytes, starts) = frames(&payloads);
            let last_start = *starts.last().unwrap();
            proptest::prop_assume!(last_start > 0);
            let at = (last_start as f64 * at) as usize;
            bytes[at] ^= 1 << bit;
            let frame = starts.iter().rposition(|start| *start <= at).unwrap();
            let (read, offset, end) = read_back::<Vec<u8>>(&bytes);
            proptest::prop_assert_eq!(&read[..], &payloads[..frame]);
            proptest::prop_assert_eq!(offset, starts[frame]);
            proptest::prop_assert!(matches!(end, Step::Corrupt(_)), "{:?}", end);
        }
    }
}
