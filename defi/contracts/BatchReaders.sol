// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// Deployless batch readers: never deployed, only run as the init code of an `eth_call` with no `to`. What a
/// constructor returns becomes the call's result, so one round trip reads hundreds of pairs on any node, with no
/// contract on chain. Results are fixed-width words that the engine slices by hand (ABI decoding was the bottleneck).

/// One word per pair: bit 255 set when the pair answered, reserve0 in bits 112..223, reserve1 in bits 0..111.
contract ReserveReader {
    constructor(address[] memory pairs) {
        bytes memory out = new bytes(pairs.length * 32);
        assembly {
            let n := mload(pairs)
            let scratch := mload(0x40)
            mstore(scratch, shl(224, 0x0902f1ac)) // getReserves()
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                let pair := mload(add(add(pairs, 0x20), mul(i, 0x20)))
                let word := 0
                // Call first: Yul evaluates arguments right to left, so returndatasize() must not share its expression.
                let ok := staticcall(gas(), pair, scratch, 4, scratch, 0x60)
                if and(ok, iszero(lt(returndatasize(), 0x60))) {
                    word := or(shl(255, 1), or(shl(112, mload(scratch)), mload(add(scratch, 0x20))))
                }
                mstore(scratch, shl(224, 0x0902f1ac))
                mstore(add(add(out, 0x20), mul(i, 0x20)), word)
            }
            return(add(out, 0x20), mul(n, 0x20))
        }
    }
}

/// One word per call: the first 32 bytes the call returned, or zero when it failed. Enough for getPair, allPairs,
/// token0, token1, decimals and balanceOf — everything the pool registry asks for in bulk.
contract WordReader {
    constructor(address[] memory targets, bytes[] memory calls) {
        uint256 n = targets.length;
        bytes memory out = new bytes(n * 32);
        for (uint256 i = 0; i < n; i++) {
            (bool ok, bytes memory data) = targets[i].staticcall(calls[i]);
            if (ok && data.length >= 32) {
                assembly {
                    mstore(add(add(out, 0x20), mul(i, 0x20)), mload(add(data, 0x20)))
                }
            }
        }
        assembly {
            return(add(out, 0x20), mload(out))
        }
    }
}

/// Uniswap V3 pools: for each, a header word (bit 255 set when the pool answered; tick in bits 160..183; sqrt price
/// in bits 0..159), its liquidity, its balance of `token` (what it could lend by flash), the tick-bitmap words from
/// `wordsEachSide` below the current word to as many above, then the liquidityNet of every initialized tick in those
/// words, lowest first. A pool that does not answer gives its header word (zero) only. Reverts when the answer would
/// exceed what a constructor may return; the engine then reads fewer pools per call.
contract V3Reader {
    uint256 internal constant MAX_WORDS = 768; // 24,576 bytes (EIP-170)

    constructor(address[] memory pools, address token, uint256 wordsEachSide) {
        uint256[] memory out = new uint256[](MAX_WORDS);
        uint256 n = 0;
        for (uint256 p = 0; p < pools.length; p++) {
            n = _pool(out, n, pools[p], token, wordsEachSide);
        }
        assembly {
            return(add(out, 0x20), mul(n, 0x20))
        }
    }

    function _pool(uint256[] memory out, uint256 n, address pool, address token, uint256 wordsEachSide) internal view returns (uint256) {
        require(n + 3 + 2 * wordsEachSide + 1 <= MAX_WORDS, "too large");
        (bool ok, int24 tick, int24 spacing) = _header(out, n, pool, token);
        if (!ok) return n + 1;
        int24 compressed = tick / spacing;
        if (tick < 0 && tick % spacing != 0) compressed--;
        return _range(out, n + 3, pool, (int256(compressed) >> 8) - int256(wordsEachSide), 2 * wordsEachSide + 1, spacing);
    }

    /// The bitmap words from `low`, then the initialized ticks they mark.
    function _range(uint256[] memory out, uint256 n, address pool, int256 low, uint256 count, int24 spacing) internal view returns (uint256) {
        uint256 bitmaps = n;
        for (uint256 k = 0; k < count; k++) out[n++] = _bitmap(pool, low + int256(k));
        for (uint256 k = 0; k < count; k++) n = _ticks(out, n, pool, out[bitmaps + k], (low + int256(k)) * 256, spacing);
        return n;
    }

    /// Header, liquidity and balance words; false (and a zero header) when the pool does not answer.
    function _header(uint256[] memory out, uint256 n, address pool, address token) internal view returns (bool ok, int24 tick, int24 spacing) {
        (bool ok1, uint256 sqrtPrice, uint256 tickWord) = _two(pool, abi.encodeWithSelector(0x3850c7bd));
        (bool ok2, uint256 liquidity) = _one(pool, abi.encodeWithSelector(0x1a686502));
        (bool ok3, uint256 spacingWord) = _one(pool, abi.encodeWithSelector(0xd0c93a7c));
        ok = ok1 && ok2 && ok3 && spacingWord != 0;
        if (!ok) {
            out[n] = 0;
            return (false, 0, 0);
        }
        tick = int24(int256(tickWord));
        spacing = int24(int256(spacingWord));
        out[n] = (uint256(1) << 255) | (uint256(uint24(tick)) << 160) | sqrtPrice;
        out[n + 1] = liquidity;
        (, out[n + 2]) = _one(token, abi.encodeWithSelector(0x70a08231, pool));
    }

    function _bitmap(address pool, int256 w) internal view returns (uint256 bitmap) {
        if (w >= type(int16).min && w <= type(int16).max) (, bitmap) = _one(pool, abi.encodeWithSelector(0x5339c296, int16(w)));
    }

    /// liquidityNet of each initialized tick of one bitmap word, lowest first.
    function _ticks(uint256[] memory out, uint256 n, address pool, uint256 bitmap, int256 firstCompressed, int24 spacing) internal view returns (uint256) {
        for (uint256 bit = 0; bitmap != 0; bit++) {
            // Bitmaps are sparse: skip empty bytes whole (a bit at a time, the loop was most of a pool's cost).
            if (bitmap & 0xff == 0) {
                bitmap >>= 8;
                bit += 7;
                continue;
            }
            if (bitmap & 1 == 1) {
                int24 t = int24((firstCompressed + int256(bit)) * int256(spacing));
                (,, uint256 net) = _two(pool, abi.encodeWithSelector(0xf30dba93, t));
                require(n < MAX_WORDS, "too large");
                out[n++] = net;
            }
            bitmap >>= 1;
        }
        return n;
    }

    function _one(address target, bytes memory data) internal view returns (bool ok, uint256 word) {
        bytes memory answer;
        (ok, answer) = target.staticcall(data);
        ok = ok && answer.length >= 32;
        if (ok) word = abi.decode(answer, (uint256));
    }

    function _two(address target, bytes memory data) internal view returns (bool ok, uint256 first, uint256 second) {
        bytes memory answer;
        (ok, answer) = target.staticcall(data);
        ok = ok && answer.length >= 64;
        if (ok) (first, second) = abi.decode(answer, (uint256, uint256));
    }
}
