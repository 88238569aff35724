// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// fleetbot's flash arbitrage: borrows the base token from a flash-loan source, swaps it around a cycle of
/// Uniswap-V2-style pairs, repays the loan and sends what is left to the owner — all in one transaction, or not at all.
/// The engine calls `run` with eth_call to simulate an opportunity against the current block; the executor sends the
/// same call as a transaction.

interface IERC20 {
    function balanceOf(address) external view returns (uint256);
    function transfer(address, uint256) external returns (bool);
    function approve(address, uint256) external returns (bool);
}

interface IUniswapV2Pair {
    function getReserves() external view returns (uint112, uint112, uint32);
    function swap(uint256 amount0Out, uint256 amount1Out, address to, bytes calldata data) external;
}

interface IUniswapV3Pool {
    function token0() external view returns (address);
    function token1() external view returns (address);
    function fee() external view returns (uint24);
    function swap(address recipient, bool zeroForOne, int256 amountSpecified, uint160 sqrtPriceLimitX96, bytes calldata data)
        external
        returns (int256 amount0, int256 amount1);
    function flash(address recipient, uint256 amount0, uint256 amount1, bytes calldata data) external;
}

interface IUniswapV3Factory {
    function getPool(address tokenA, address tokenB, uint24 fee) external view returns (address);
}

interface IBalancerVault {
    function flashLoan(address recipient, address[] calldata tokens, uint256[] calldata amounts, bytes calldata userData) external;
}

interface IAaveV3Pool {
    function flashLoanSimple(address receiver, address asset, uint256 amount, bytes calldata params, uint16 referralCode) external;
}

contract FlashArbitrage {
    /// One swap: the pool, its kind (V2 pair or V3 pool), which way (token0 in, token1 out — or the reverse), its fee
    /// (V2: basis points; V3: hundredths of a bip) and, for a V3 pool, the factory that must have created it.
    struct Hop {
        address pool;
        uint8 kind;
        bool zeroForOne;
        uint24 fee;
        address factory;
    }

    uint8 internal constant HOP_V2 = 0;
    uint8 internal constant HOP_V3 = 1;
    // TickMath's bounds, exclusive: a V3 swap goes as far as the input takes it.
    uint160 internal constant MIN_SQRT_RATIO_PLUS_ONE = 4295128740;
    uint160 internal constant MAX_SQRT_RATIO_MINUS_ONE = 1461446703485210103287273052203988822378723970341;

    uint8 internal constant UNISWAP_V2 = 0;
    uint8 internal constant BALANCER_V2 = 1;
    uint8 internal constant AAVE_V3 = 2;
    uint8 internal constant UNISWAP_V3 = 3;

    /// Slot 0, so that a simulation can place this code at any address and name its owner with a storage override.
    address public owner;
    /// The lender whose callback is expected now; a callback from anyone else is refused.
    address transient expectedLender;
    /// The V3 pool being swapped through now (checked against its factory first); only it may ask to be paid.
    address transient expectedPool;

    error NotOwner();
    error UnexpectedCallback();
    error UnknownSource(uint8 source);
    error NotProfitable(uint256 balanceBefore, uint256 balanceAfter, uint256 minProfit);
    error UnknownPool(address pool);

    constructor() {
        owner = msg.sender;
    }

    /// Borrows `amount` of `token` from `lender` (a source kind), runs `hops` and keeps at least `minProfit`.
    /// Returns the profit after repaying the loan and the gas used inside this call.
    function run(uint8 source, address lender, address token, uint256 amount, Hop[] calldata hops, uint256 minProfit)
        external
        returns (uint256 profit, uint256 gasUsed)
    {
        uint256 gasAtStart = gasleft();
        if (msg.sender != owner) revert NotOwner();
        uint256 before = IERC20(token).balanceOf(address(this));
        bytes memory plan = abi.encode(token, amount, hops);
        expectedLender = lender;
        if (source == UNISWAP_V2) {
            // A flash swap: the pair sends `amount` first and calls back; the token is token0 or token1 of the pair.
            (bool isToken0) = _isToken0(lender, token);
            IUniswapV2Pair(lender).swap(isToken0 ? amount : 0, isToken0 ? 0 : amount, address(this), plan);
        } else if (source == BALANCER_V2) {
            address[] memory tokens = new address[](1);
            tokens[0] = token;
            uint256[] memory amounts = new uint256[](1);
            amounts[0] = amount;
            IBalancerVault(lender).flashLoan(address(this), tokens, amounts, plan);
        } else if (source == AAVE_V3) {
            IAaveV3Pool(lender).flashLoanSimple(address(this), token, amount, plan, 0);
        } else if (source == UNISWAP_V3) {
            // A V3 pool lends either token; it calls back with the fee (amount × its fee, rounded up).
            bool isToken0 = IUniswapV3Pool(lender).token0() == token;
            IUniswapV3Pool(lender).flash(address(this), isToken0 ? amount : 0, isToken0 ? 0 : amount, plan);
        } else {
            revert UnknownSource(source);
        }
        expectedLender = address(0);
        uint256 afterwards = IERC20(token).balanceOf(address(this));
        if (afterwards < before + minProfit) revert NotProfitable(before, afterwards, minProfit);
        profit = afterwards - before;
        if (profit > 0) IERC20(token).transfer(owner, profit);
        gasUsed = gasAtStart - gasleft();
    }

    /// Uniswap V2 flash swap callback: repay ceil(amount * 1000 / 997), what the pair's invariant check needs.
    function uniswapV2Call(address sender, uint256, uint256, bytes calldata plan) external {
        if (msg.sender != expectedLender || sender != address(this)) revert UnexpectedCallback();
        (address token, uint256 amount) = _swapAll(plan);
        IERC20(token).transfer(msg.sender, (amount * 1000 + 996) / 997);
    }

    /// Balancer V2 vault callback: repay the amount and the vault's fee (0 unless governance sets one).
    function receiveFlashLoan(address[] calldata, uint256[] calldata amounts, uint256[] calldata fees, bytes calldata plan) external {
        if (msg.sender != expectedLender) revert UnexpectedCallback();
        (address token,) = _swapAll(plan);
        IERC20(token).transfer(msg.sender, amounts[0] + fees[0]);
    }

    /// Aave V3 flashLoanSimple callback: the pool pulls amount + premium, so approve it.
    function executeOperation(address, uint256 amount, uint256 premium, address initiator, bytes calldata plan) external returns (bool) {
        if (msg.sender != expectedLender || initiator != address(this)) revert UnexpectedCallback();
        (address token,) = _swapAll(plan);
        IERC20(token).approve(msg.sender, amount + premium);
        return true;
    }

    /// Uniswap V3 flash callback: repay the amount and the pool's fee.
    function uniswapV3FlashCallback(uint256 fee0, uint256 fee1, bytes calldata plan) external {
        if (msg.sender != expectedLender) revert UnexpectedCallback();
        (address token, uint256 amount) = _swapAll(plan);
        IERC20(token).transfer(msg.sender, amount + fee0 + fee1);
    }

    /// Uniswap V3 swap callback: pay the pool what it is owed, only to the pool this contract is swapping through.
    function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata data) external {
        if (msg.sender != expectedPool) revert UnexpectedCallback();
        address tokenIn = abi.decode(data, (address));
        IERC20(tokenIn).transfer(msg.sender, uint256(amount0Delta > 0 ? amount0Delta : amount1Delta));
    }

    /// Sends the borrowed amount through every hop. A V2 pair after a V2 pair is paid straight by the one before it;
    /// a V3 pool pays this contract and is paid in its callback.
    function _swapAll(bytes calldata plan) internal returns (address token, uint256 amount) {
        Hop[] memory hops;
        (token, amount, hops) = abi.decode(plan, (address, uint256, Hop[]));
        uint256 amountIn = amount;
        address tokenIn = token;
        bool atPool = false;
        for (uint256 i = 0; i < hops.length; i++) {
            Hop memory hop = hops[i];
            bool nextIsV2 = i + 1 < hops.length && hops[i + 1].kind == HOP_V2;
            address to = nextIsV2 ? hops[i + 1].pool : address(this);
            if (hop.kind == HOP_V2) {
                if (!atPool) IERC20(tokenIn).transfer(hop.pool, amountIn);
                (uint112 reserve0, uint112 reserve1,) = IUniswapV2Pair(hop.pool).getReserves();
                (uint256 reserveIn, uint256 reserveOut) = hop.zeroForOne ? (reserve0, reserve1) : (reserve1, reserve0);
                uint256 withFee = amountIn * (10000 - hop.fee);
                uint256 amountOut = (withFee * reserveOut) / (reserveIn * 10000 + withFee);
                IUniswapV2Pair(hop.pool).swap(hop.zeroForOne ? 0 : amountOut, hop.zeroForOne ? amountOut : 0, to, "");
                amountIn = amountOut;
                tokenIn = address(0); // known again only after a V3 hop; a V2 pair is paid by the hop before it
            } else {
                (amountIn, tokenIn) = _swapV3(hop, amountIn, to);
            }
            atPool = nextIsV2;
        }
    }

    /// One exact-input swap through a V3 pool that its factory vouches for; returns what came out and its token.
    function _swapV3(Hop memory hop, uint256 amountIn, address to) internal returns (uint256 amountOut, address tokenOut) {
        IUniswapV3Pool pool = IUniswapV3Pool(hop.pool);
        address token0 = pool.token0();
        address token1 = pool.token1();
        if (IUniswapV3Factory(hop.factory).getPool(token0, token1, hop.fee) != hop.pool) revert UnknownPool(hop.pool);
        expectedPool = hop.pool;
        (int256 amount0, int256 amount1) = pool.swap(
            to,
            hop.zeroForOne,
            int256(amountIn),
            hop.zeroForOne ? MIN_SQRT_RATIO_PLUS_ONE : MAX_SQRT_RATIO_MINUS_ONE,
            abi.encode(hop.zeroForOne ? token0 : token1)
        );
        expectedPool = address(0);
        (amountOut, tokenOut) = hop.zeroForOne ? (uint256(-amount1), token1) : (uint256(-amount0), token0);
    }

    function _isToken0(address pair, address token) internal view returns (bool) {
        (bool ok, bytes memory data) = pair.staticcall(abi.encodeWithSignature("token0()"));
        require(ok && data.length == 32, "lender is not a pair");
        return abi.decode(data, (address)) == token;
    }
}
