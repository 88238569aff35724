// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// A plain ERC-20 for `fleetbot devnet` and the tests: any symbol and decimals, the whole supply minted to the deployer.
contract DevToken {
    string public name;
    string public symbol;
    uint8 public immutable decimals;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    constructor(string memory name_, string memory symbol_, uint8 decimals_, uint256 supply) {
        name = name_;
        symbol = symbol_;
        decimals = decimals_;
        totalSupply = supply;
        balanceOf[msg.sender] = supply;
        emit Transfer(address(0), msg.sender, supply);
    }

    function approve(address spender, uint256 value) external returns (bool) {
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    function transfer(address to, uint256 value) external returns (bool) {
        _move(msg.sender, to, value);
        return true;
    }

    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != type(uint256).max) allowance[from][msg.sender] = allowed - value;
        _move(from, to, value);
        return true;
    }

    function _move(address from, address to, uint256 value) internal {
        balanceOf[from] -= value;
        balanceOf[to] += value;
        emit Transfer(from, to, value);
    }
}

interface IDevV3Pool {
    function token0() external view returns (address);
    function token1() external view returns (address);
    function mint(address recipient, int24 tickLower, int24 tickUpper, uint128 amount, bytes calldata data) external returns (uint256, uint256);
}

/// Adds liquidity to Uniswap V3 pools for `fleetbot devnet` and the tests, paying from its own token balance (the
/// devnet sends it the tokens first). The position belongs to whoever calls `mint`.
contract DevV3Liquidity {
    address transient expectedPool;

    function mint(address pool, int24 tickLower, int24 tickUpper, uint128 amount) external {
        expectedPool = pool;
        IDevV3Pool(pool).mint(msg.sender, tickLower, tickUpper, amount, "");
        expectedPool = address(0);
    }

    function uniswapV3MintCallback(uint256 owed0, uint256 owed1, bytes calldata) external {
        require(msg.sender == expectedPool, "unexpected callback");
        if (owed0 > 0) DevToken(IDevV3Pool(msg.sender).token0()).transfer(msg.sender, owed0);
        if (owed1 > 0) DevToken(IDevV3Pool(msg.sender).token1()).transfer(msg.sender, owed1);
    }
}
