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

interface IBalancerVault {
    function flashLoan(address recipient, address[] calldata tokens, uint256[] calldata amounts, bytes calldata userData) external;
}

interface IAaveV3Pool {
    function flashLoanSimple(address receiver, address asset, uint256 amount, bytes calldata params, uint16 referralCode) external;
}

contract FlashArbitrage {
    /// One swap: the pair, which way (token0 in, token1 out — or the reverse) and the pair's fee in basis points.
    struct Hop {
        address pair;
        bool zeroForOne;
        uint16 feeBps;
    }

    uint8 internal constant UNISWAP_V2 = 0;
    uint8 internal constant BALANCER_V2 = 1;
    uint8 internal constant AAVE_V3 = 2;

    /// Slot 0, so that a simulation can place this code at any address and name its owner with a storage override.
    address public owner;
    /// The lender whose callback is expected now; a callback from anyone else is refused.
    address transient expectedLender;

    error NotOwner();
    error UnexpectedCallback();
    error UnknownSource(uint8 source);
    error NotProfitable(uint256 balanceBefore, uint256 balanceAfter, uint256 minProfit);

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

    /// Sends the borrowed amount through every hop; each pair pays straight into the next one.
    function _swapAll(bytes calldata plan) internal returns (address token, uint256 amount) {
        Hop[] memory hops;
        (token, amount, hops) = abi.decode(plan, (address, uint256, Hop[]));
        IERC20(token).transfer(hops[0].pair, amount);
        uint256 amountIn = amount;
        for (uint256 i = 0; i < hops.length; i++) {
            Hop memory hop = hops[i];
            (uint112 reserve0, uint112 reserve1,) = IUniswapV2Pair(hop.pair).getReserves();
            (uint256 reserveIn, uint256 reserveOut) = hop.zeroForOne ? (reserve0, reserve1) : (reserve1, reserve0);
            uint256 withFee = amountIn * (10000 - hop.feeBps);
            uint256 amountOut = (withFee * reserveOut) / (reserveIn * 10000 + withFee);
            address to = i + 1 < hops.length ? hops[i + 1].pair : address(this);
            IUniswapV2Pair(hop.pair).swap(hop.zeroForOne ? 0 : amountOut, hop.zeroForOne ? amountOut : 0, to, "");
            amountIn = amountOut;
        }
    }

    function _isToken0(address pair, address token) internal view returns (bool) {
        (bool ok, bytes memory data) = pair.staticcall(abi.encodeWithSignature("token0()"));
        require(ok && data.length == 32, "lender is not a pair");
        return abi.decode(data, (address)) == token;
    }
}
