        /// <summary>This model's SAM optimizer (ρ, learning rate, telemetry, state, checkpoints), created on first use.</summary>
        /// <remarks>
        /// Configured as SAM with constant ρ = 0.05 and a normalized perturbation (Foret et al., ICLR 2021),
        /// over SGD with learning rate 0.1, momentum 0.9 (Nesterov).
        /// Learning-rate schedule: ×0.2 every 30 steps.
        /// Guarantee: outside the cited analyses, which study plain SGD steps without momentum (Si &amp; Yun 2023; Khanh et al. 2024).
        /// </remarks>
        public global::Sam.SamOptimizer Optimizer => this.__samOptimizer ??= new global::Sam.SamOptimizer(
            this,
            new global::Sam.SamSettings { Rho = 0.05, Normalize = true, LearningRateSchedule = new global::Sam.Schedule(global::Sam.ScheduleKind.Step, exponent: 0.5, floor: 0, totalSteps: 0, stepSize: 30, gamma: 0.2, warmupSteps: 0) },
            new global::Sam.Sgd(learningRate: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: true, decoupledWeightDecay: false));
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
