        /// <summary>This model's SAM optimizer (ρ, learning rate, telemetry, state, checkpoints), created on first use.</summary>
        /// <remarks>
        /// Configured as LookSAM (Liu et al., CVPR 2022) with constant ρ = 0.05, α = 0.5 and a SAM step every 5 steps,
        /// over SGD with learning rate 0.01.
        /// AE-SAM policy (Jiang et al., ICLR 2023): a SAM step when ‖g‖² ≥ μ + c_t·σ, δ = 0.9, c_t from 0 to 1 over 20000 steps.
        /// Guarantee: outside the cited analyses, which take a SAM step at every iteration (Si &amp; Yun 2023; Khanh et al. 2024); Jiang et al. (ICLR 2023) prove a convergence result for AE-SAM under their own assumptions, not checked here.
        /// </remarks>
        public global::Sam.SamOptimizer Optimizer => this.__samOptimizer ??= new global::Sam.SamOptimizer(
            this,
            new global::Sam.SamSettings
            {
                Rho = 0.05,
                Normalize = true,
                Variant = global::Sam.SamVariant.LookSam,
                Interval = 5,
                LookSamAlpha = 0.5,
                StepPolicy = global::Sam.SamStepPolicy.Adaptive,
                AdaptiveThresholdStart = 0,
                TotalSteps = 20000,
            },
            new global::Sam.Sgd(learningRate: 0.01, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, decoupledWeightDecay: false));
        /// <inheritdoc cref="global::Sam.SamOptimizer.ZeroGradients()"/>
        /// <inheritdoc cref="global::Sam.SamOptimizer.Perturb()"/>
        /// <inheritdoc cref="global::Sam.SamOptimizer.Restore()"/>
        /// <inheritdoc cref="global::Sam.SamOptimizer.RestoreAndStep()"/>
        /// <inheritdoc cref="global::Sam.SamOptimizer.BaseStep()"/>
        /// <inheritdoc cref="global::Sam.SamOptimizer.SharpnessAwareStep{TModel, TState}(TModel, TState, global::System.Func{TModel, TState, float})"/>
        /// <inheritdoc cref="global::Sam.SamOptimizer.SharpnessAwareStep{TModel, TState}(TModel, TState, global::System.Func{TModel, TState, float})"/>
        /// <inheritdoc cref="global::Sam.SamOptimizer.SharpnessAwareStep{TModel, TState}(int, TModel, TState, global::System.Func{TModel, TState, int, float})"/>
        /// <inheritdoc cref="global::Sam.SamOptimizer.MSharpnessStep{TModel, TState}(int, TModel, TState, global::System.Func{TModel, TState, int, float})"/>
        /// <inheritdoc cref="global::Sam.ISamParameterSource.VisitParameters{TVisitor}(ref TVisitor)"/>
