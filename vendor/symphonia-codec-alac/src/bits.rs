// musicchain: this file is musicchain's, not upstream's (see NOTICE.md).
//
// This Source Code Form is subject to the terms of the Mozilla Public
// License, v. 2.0. If a copy of the MPL was not distributed with this
// file, You can obtain one at https://mozilla.org/MPL/2.0/.

//! A most-significant-bit-first reader for ALAC's elements that peeks 64 bits
//! at once, so that a Rice code costs one load and one advance.
//!
//! symphonia's `BitReaderLtr` keeps a 64-bit cache and refills it on every read
//! that runs past it; a Rice code there is up to three reads (the unary prefix,
//! `k - 1` bits, then one more bit), each checking and refilling on its own.
//! FFmpeg's `get_bits` instead loads the bytes under the read position on each
//! peek; this does the same. Past the end of the packet it reads zeros, and any
//! read that would consume past the end fails with symphonia's own error
//! ("unexpected end of bitstream"), as `BitReaderLtr` does.

use std::io;

/// How many bits `peek` guarantees: a load of 8 bytes shifted by at most 7.
const PEEK_BITS: u32 = 57;

/// Reads bits most significant first from one packet.
#[derive(Clone, Copy)]
pub(crate) struct Bits<'a> {
    buf: &'a [u8],
    /// Bits consumed from the start of `buf`.
    pos: usize,
    /// `buf.len() * 8`.
    len: usize,
}

fn end_of_bitstream<T>() -> io::Result<T> {
    Err(io::Error::other("unexpected end of bitstream"))
}

impl<'a> Bits<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Bits { buf, pos: 0, len: buf.len().saturating_mul(8) }
    }

    /// The next bits, the first one the most significant; only the top
    /// `PEEK_BITS` are meaningful. Bits past the end of the packet read as 0.
    #[inline(always)]
    pub(crate) fn peek(&self) -> u64 {
        let byte = self.pos >> 3;
        let word = match self.buf.get(byte..).and_then(|rest| rest.first_chunk::<8>()) {
            Some(bytes) => u64::from_be_bytes(*bytes),
            None => self.peek_tail(byte),
        };
        word << (self.pos & 7)
    }

    /// `peek`'s load for the last 7 bytes of the packet, padded with zeros.
    #[cold]
    fn peek_tail(&self, byte: usize) -> u64 {
        let mut bytes = [0u8; 8];
        for (to, from) in bytes.iter_mut().zip(self.buf.get(byte..).unwrap_or_default()) {
            *to = *from;
        }
        u64::from_be_bytes(bytes)
    }

    #[inline(always)]
    fn consume(&mut self, bits: u32) -> io::Result<()> {
        let pos = self.pos + bits as usize;
        if pos > self.len {
            return end_of_bitstream();
        }
        self.pos = pos;
        Ok(())
    }

    /// Reads `width` bits (at most 32) as an unsigned number.
    #[inline(always)]
    pub(crate) fn read_bits_leq32(&mut self, width: u32) -> io::Result<u32> {
        if width == 0 {
            return Ok(0);
        }
        if width > u32::BITS {
            return Err(io::Error::other("alac: read wider than 32 bits"));
        }
        let value = (self.peek() >> (u64::BITS - width)) as u32;
        self.consume(width)?;
        Ok(value)
    }

    /// Reads `width` bits (at most 32) as a two's complement number.
    #[inline(always)]
    pub(crate) fn read_bits_leq32_signed(&mut self, width: u32) -> io::Result<i32> {
        let value = self.read_bits_leq32(width)?;
        if width == 0 {
            return Ok(0);
        }
        let unused = u32::BITS - width;
        Ok(((value << unused) as i32) >> unused)
    }

    #[inline(always)]
    pub(crate) fn read_bit(&mut self) -> io::Result<u32> {
        self.read_bits_leq32(1)
    }

    #[inline(always)]
    pub(crate) fn read_bool(&mut self) -> io::Result<bool> {
        Ok(self.read_bit()? == 1)
    }

    /// Skips to the next whole byte.
    pub(crate) fn realign(&mut self) {
        // `len` is a multiple of 8 at least `pos`, so this stays within it.
        self.pos = self.pos.div_ceil(8) * 8;
    }

    pub(crate) fn ignore_bits(&mut self, bits: u32) -> io::Result<()> {
        self.consume(bits)
    }

    /// Reads one of ALAC's Rice codes with parameter `k` whose escape (nine
    /// ones) is followed by a `kb`-bit value.
    ///
    /// The widths ALAC gives fit one peek: `k` is at most 23 (`lg3a` of any
    /// `u32`; the zero-run rule gives at most 9) and `kb`, the prediction
    /// width, at most 33 (a 32-bit channel pair), so a code is at most 9 + 33
    /// bits. A 33-bit escape value keeps its low 32 bits (upstream's reader
    /// cannot read 33 bits at all; FFmpeg refuses such streams).
    ///
    /// This is upstream's `read_rice_code` (kept in `lib.rs`'s tests, which
    /// compare the two) done as one peek and one advance: the unary prefix is
    /// the peek's leading ones, and the `k` bits after it are peeked whole,
    /// where upstream read `k - 1` bits and then, unless they were zero, one
    /// more.
    #[inline(always)]
    pub(crate) fn read_rice_code(&mut self, k: u32, kb: u32) -> io::Result<u32> {
        debug_assert!(k <= 23 && kb <= 33 && 9 + kb <= PEEK_BITS);
        let word = self.peek();
        let prefix = word.leading_ones().min(9);
        if prefix > 8 {
            // Shifted in two steps so that `kb == 0` reads 0 without a
            // 64-bit shift.
            let value = (((word << 9) >> 1) >> (u64::BITS - 1 - kb)) as u32;
            self.consume(9 + kb)?;
            return Ok(value);
        }
        // The prefix's terminating zero is consumed with it.
        let used = prefix + 1;
        if k > 1 {
            // The reference decoder multiplies the prefix by `2^k - 1`.
            let value = (prefix << k) - prefix;
            let extra = ((word << used) >> (u64::BITS - k)) as u32;
            if extra > 1 {
                self.consume(used + k)?;
                Ok(value + extra - 1)
            } else {
                self.consume(used + k - 1)?;
                Ok(value)
            }
        } else {
            self.consume(used)?;
            Ok(if k == 1 { prefix } else { 0 })
        }
    }
}
