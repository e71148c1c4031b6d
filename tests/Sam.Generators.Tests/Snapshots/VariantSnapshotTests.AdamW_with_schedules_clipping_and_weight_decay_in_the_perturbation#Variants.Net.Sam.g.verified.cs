        /// <summary>This model's SAM optimizer (ρ, learning rate, telemetry, state, checkpoints), created on first use.</summary>
        /// <remarks>
        /// Configured as SAM with scheduled ρ₀ = 0.1 and a normalized perturbation (Foret et al., ICLR 2021),
        /// over AdamW with learning rate 0.0003, β = (0.9, 0.98), ε = 1E-08, decoupled weight decay 0.05, AMSGrad.
        /// ρ schedule: polynomial decay (1 + t)^−0.6.
        /// Learning-rate schedule: cosine to 1E-05 over 10000 steps, linear warm-up over 500 steps.
        /// The gradient of the base step is clipped to global norm 1 (the perturbation's gradient is not).
        /// Weight decay enters the perturbation's gradient.
        /// Guarantee: outside the cited analyses, which study plain SGD steps (Si &amp; Yun 2023; Khanh et al. 2024); LightSAM (Cheng et al. 2025) analyses a different, adaptive-radius algorithm with Adam-type steps, not this one.
        /// </remarks>
        public global::Sam.SamOptimizer Optimizer => this.__samOptimizer ??= new global::Sam.SamOptimizer(
            this,
            new global::Sam.SamSettings
            {
                Rho = 0.1,
                Normalize = true,
                TotalSteps = 10000,
                MaxGradientNorm = 1,
                PerturbWeightDecay = true,
                RhoSchedule = new global::Sam.Schedule(global::Sam.ScheduleKind.Polynomial, exponent: 0.6, floor: 0, totalSteps: 0, stepSize: 0, gamma: 0.1, warmupSteps: 0),
                LearningRateSchedule = new global::Sam.Schedule(global::Sam.ScheduleKind.Cosine, exponent: 0.5, floor: 1E-05, totalSteps: 10000, stepSize: 0, gamma: 0.1, warmupSteps: 500),
            },
            new global::Sam.AdamW(learningRate: 0.0003, beta1: 0.9, beta2: 0.98, epsilon: 1E-08, weightDecay: 0.05, amsgrad: true));
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
