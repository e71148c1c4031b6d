        /// <summary>This model's SAM optimizer (ρ, learning rate, telemetry, state, checkpoints), created on first use.</summary>
        /// <remarks>
        /// Configured as VaSSO (Li &amp; Giannakis, NeurIPS 2023) with constant ρ = 0.05 and θ = 0.2,
        /// over SGD with learning rate 0.01.
        /// Guarantee: with stochastic gradients, convergence only to a neighbourhood of stationarity with an unavoidable term of order ρ² = 0.0025 (Si &amp; Yun, NeurIPS 2023).
        /// </remarks>
        public global::Sam.SamOptimizer Optimizer => this.__samOptimizer ??= new global::Sam.SamOptimizer(
            this,
            new global::Sam.SamSettings
            {
                Rho = 0.05,
                Normalize = true,
                Variant = global::Sam.SamVariant.Vasso,
                VassoTheta = 0.2,
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
