        /// <summary>This model's SAM optimizer (ρ, learning rate, telemetry, state, checkpoints), created on first use.</summary>
        /// <remarks>
        /// Configured as ASAM (Kwon et al., ICML 2021) with constant ρ = 1 and η = 0.02,
        /// over SGD with learning rate 0.01.
        /// Guarantee: outside the cited analyses for this variant; they cover SAM, USAM, VaSSO, F-SAM and RSAM (Khanh et al. 2024), and GCSAM by our reading of the same bound.
        /// </remarks>
        public global::Sam.SamOptimizer Optimizer => this.__samOptimizer ??= new global::Sam.SamOptimizer(
            this,
            new global::Sam.SamSettings
            {
                Rho = 1,
                Normalize = true,
                Variant = global::Sam.SamVariant.Asam,
                AsamEta = 0.02,
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
