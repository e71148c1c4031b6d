        /// <summary>This model's SAM optimizer (ρ, learning rate, telemetry, state, checkpoints), created on first use.</summary>
        /// <remarks>
        /// Configured as GCSAM (Hassan et al. 2025) with constant ρ = 0.05, unnormalized,
        /// over SGD with learning rate 0.01.
        /// Guarantee: USAM's results need ρL &lt; 1 for the smoothness L (Khanh et al. 2024).
        /// </remarks>
        public global::Sam.SamOptimizer Optimizer => this.__samOptimizer ??= new global::Sam.SamOptimizer(
            this,
            new global::Sam.SamSettings { Rho = 0.05, Normalize = false, Variant = global::Sam.SamVariant.Gcsam },
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
