// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

interface IERC20Minimal {
    function balanceOf(address account) external view returns (uint256);
    function transfer(address to, uint256 value) external returns (bool);
}

/// @title AlephPaymentProcessor (devnet stand-in)
/// @notice Emulates the externally visible behaviour of Aleph's AlephPaymentProcessor
///         (aleph-im/aleph-contract-eth-credit) without Uniswap, proxies or OpenZeppelin.
///
///         Users buy credits by ERC-20 `transfer(processor, amount)` of ALEPH / USDC, or by
///         sending ETH (which emits `Transfer(sender, processor, value)` like the real one).
///         An admin later calls `process`, which "swaps" the payments to ALEPH and splits the
///         ALEPH between burn, developers and distribution, emitting `TokenPaymentsProcessed`.
///
///         There is no DEX: a swap is an exact integer conversion `amount * rateNum / rateDen`,
///         paid out of the ALEPH this contract holds (the "reserve", funded by the deployer with a
///         plain ERC-20 transfer). The swapped-in tokens / ETH leave the contract for SWAP_POOL,
///         standing in for the Uniswap pool; this keeps them from being processed twice.
///
///         Note: the reserve and not-yet-processed ALEPH payments share one ALEPH balance, so an
///         ALEPH processing run must name an explicit amount (`_amountIn == 0` is refused for
///         ALEPH, while for other tokens it means "the whole balance", as in the real contract).
contract AlephPaymentProcessor {
    struct TokenConfig {
        uint128 rateNum; // ALEPH base units received per `rateDen` base units of the token
        uint128 rateDen; // 0 means "not configured"
        bool isStable; // stable tokens pay the developers' share in the token itself
    }

    /// @notice Where the swapped-in tokens / ETH go (stands in for the Uniswap pool).
    address public constant SWAP_POOL = 0x0000000000000000000000000000000000005000;
    /// @notice Burned ALEPH goes here (the real contract's last-resort burn method).
    address public constant BURN_ADDRESS = 0x000000000000000000000000000000000000dEaD;
    /// @notice Swap version reported for stable tokens (a Uniswap v3 route on mainnet).
    uint8 public constant STABLE_SWAP_VERSION = 3;
    /// @notice Swap version reported for ETH and other non-stable tokens (a v4 route).
    uint8 public constant VOLATILE_SWAP_VERSION = 4;

    address public immutable aleph;
    address public admin;
    address public distributionRecipient;
    address public developersRecipient;
    uint8 public burnPercentage;
    uint8 public developersPercentage = 5;
    mapping(address => TokenConfig) public tokenConfig;

    event Transfer(address indexed from, address indexed to, uint256 value);

    event TokenPaymentsProcessed(
        address indexed _token,
        address indexed sender,
        uint256 amount,
        uint256 swapAmount,
        uint256 alephReceived,
        uint256 amountBurned,
        uint256 amountToDistribution,
        uint256 amountToDevelopers,
        uint8 swapVersion,
        bool isStable
    );

    modifier onlyAdmin() {
        require(msg.sender == admin, "not admin");
        _;
    }

    constructor(address _aleph, address _distributionRecipient, address _developersRecipient) {
        require(_aleph != address(0), "invalid address");
        aleph = _aleph;
        admin = msg.sender;
        _setRecipients(_distributionRecipient, _developersRecipient);
    }

    /// @notice ETH payments: the deposit itself is the credit purchase.
    receive() external payable {
        emit Transfer(msg.sender, address(this), msg.value);
    }

    // ---------------------------------------------------------------- processing

    /// @dev One processing run's figures, i.e. the TokenPaymentsProcessed payload.
    struct Run {
        uint256 amount;
        uint256 swapAmount;
        uint256 alephReceived;
        uint256 burned;
        uint256 toDistribution;
        uint256 toDevelopers; // in the source token for stable tokens, in ALEPH otherwise
        uint8 swapVersion;
        bool isStable;
    }

    /// @notice Process pending payments in `_token` (address(0) for ETH).
    /// @param _amountIn Amount to process; 0 means the whole balance (not allowed for ALEPH).
    /// @param _amountOutMin Minimum ALEPH the "swap" must yield.
    /// @param _ttl Deadline in seconds, only range-checked (0-3600) as in the real contract.
    function process(address _token, uint128 _amountIn, uint128 _amountOutMin, uint48 _ttl)
        external
        onlyAdmin
    {
        require(_ttl <= 3600, "ttl out of range");
        bool isAleph = _token == aleph;
        TokenConfig memory cfg = tokenConfig[_token];
        require(isAleph || cfg.rateDen != 0, "not configured");

        uint256 balance =
            _token == address(0) ? address(this).balance : IERC20Minimal(_token).balanceOf(address(this));
        uint256 amount = _amountIn;
        if (amount == 0) {
            require(!isAleph, "amount required for ALEPH");
            amount = balance;
        }
        require(amount != 0, "zero amount");
        require(amount <= balance, "insufficient balance");

        Run memory run;
        run.amount = amount;
        if (cfg.isStable) {
            // Developers are paid in the stable token itself; only the rest is swapped.
            run.isStable = true;
            run.swapVersion = STABLE_SWAP_VERSION;
            run.toDevelopers = amount * developersPercentage / 100;
            uint256 burnPart = amount * burnPercentage / 100;
            run.swapAmount = amount - run.toDevelopers;
            _send(_token, developersRecipient, run.toDevelopers);
            run.alephReceived = _swap(_token, run.swapAmount, cfg, _amountOutMin);
            // The ALEPH bought is split burn/distribution in the proportions of the input.
            run.burned = run.swapAmount == 0 ? 0 : run.alephReceived * burnPart / run.swapAmount;
            run.toDistribution = run.alephReceived - run.burned;
        } else {
            // ALEPH is not swapped; anything else is swapped whole, then split in ALEPH.
            if (isAleph) {
                run.alephReceived = amount;
                require(run.alephReceived >= _amountOutMin, "slippage");
            } else {
                run.swapAmount = amount;
                run.swapVersion = VOLATILE_SWAP_VERSION;
                run.alephReceived = _swap(_token, amount, cfg, _amountOutMin);
            }
            run.toDevelopers = run.alephReceived * developersPercentage / 100;
            run.burned = run.alephReceived * burnPercentage / 100;
            run.toDistribution = run.alephReceived - run.toDevelopers - run.burned;
            _send(aleph, developersRecipient, run.toDevelopers);
        }
        _send(aleph, BURN_ADDRESS, run.burned);
        _send(aleph, distributionRecipient, run.toDistribution);

        emit TokenPaymentsProcessed(
            _token,
            msg.sender,
            run.amount,
            run.swapAmount,
            run.alephReceived,
            run.burned,
            run.toDistribution,
            run.toDevelopers,
            run.swapVersion,
            run.isStable
        );
    }

    /// @dev The fake swap: `amountIn` of `token` goes to SWAP_POOL, ALEPH comes from the reserve.
    function _swap(address token, uint256 amountIn, TokenConfig memory cfg, uint256 amountOutMin)
        internal
        returns (uint256 alephOut)
    {
        alephOut = amountIn * cfg.rateNum / cfg.rateDen;
        require(alephOut >= amountOutMin, "slippage");
        require(IERC20Minimal(aleph).balanceOf(address(this)) >= alephOut, "ALEPH reserve exhausted");
        _send(token, SWAP_POOL, amountIn);
    }

    /// @dev Send `amount` of `token` (address(0) for ETH); zero amounts are skipped.
    function _send(address token, address to, uint256 amount) internal {
        if (amount == 0) return;
        if (token == address(0)) {
            (bool ok,) = to.call{value: amount}("");
            require(ok, "ETH transfer failed");
        } else {
            require(IERC20Minimal(token).transfer(to, amount), "token transfer failed");
        }
    }

    // ---------------------------------------------------------------- admin

    function setAdmin(address _admin) external onlyAdmin {
        require(_admin != address(0), "invalid address");
        admin = _admin;
    }

    /// @notice Configure the swap rate (ALEPH out = amount * rateNum / rateDen) and stability of a
    ///         payment token. `rateDen == 0` un-configures it. ETH (address(0)) cannot be stable.
    function setTokenConfig(address _token, uint128 _rateNum, uint128 _rateDen, bool _isStable)
        external
        onlyAdmin
    {
        require(_token != aleph, "ALEPH needs no config");
        require(!(_isStable && _token == address(0)), "ETH cannot be stable");
        tokenConfig[_token] = TokenConfig(_rateNum, _rateDen, _isStable);
    }

    function setPercentages(uint8 _burn, uint8 _developers) external onlyAdmin {
        require(uint256(_burn) + _developers <= 100, "invalid percentages");
        burnPercentage = _burn;
        developersPercentage = _developers;
    }

    function setRecipients(address _distribution, address _developers) external onlyAdmin {
        _setRecipients(_distribution, _developers);
    }

    /// @notice Same view as the real contract.
    function isStableToken(address _token) external view returns (bool) {
        return tokenConfig[_token].isStable;
    }

    function _setRecipients(address _distribution, address _developers) internal {
        require(_distribution != address(0) && _developers != address(0), "invalid address");
        distributionRecipient = _distribution;
        developersRecipient = _developers;
    }
}
