        /// <summary>
        /// The SAM optimizer of this model: ρ and the base optimizer's learning rate (settable between steps),
        /// telemetry of the last step, the per-parameter optimizer state and its checkpoints. Created on first use.
        /// </summary>
        /// <remarks>
        /// Configured as SAM with scheduled ρ₀ = 0.1 and a normalized perturbation (Foret et al., ICLR 2021),
        /// over AdamW with learning rate 0.0003, β = (0.9, 0.98), ε = 1E-08, decoupled weight decay 0.05, AMSGrad.
        /// ρ schedule: polynomial decay (1 + t)^−0.6.
        /// Learning-rate schedule: cosine to 1E-05 over 10000 steps, linear warm-up over 500 steps.
        /// The gradient of the base step is clipped to global norm 1 (the perturbation's gradient is not).
        /// Weight decay enters the perturbation's gradient.
        /// Guarantee: none known; momentum and Adam base steps are outside the SAM convergence analyses (Si &amp; Yun 2023; Khanh et al. 2024).
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
        /// <summary>
        /// One whole SAM step: zero the gradients, compute them, perturb, zero, compute them at the perturbed point,
        /// restore and step (a base step when Optimizer.SamStepDue is false). If the callback throws, the weights and
        /// the optimizer state are restored before the exception propagates.
        /// </summary>
        /// <param name="lossAndGradients">Computes the loss and adds the gradients at the weights the parameters show.</param>
        /// <returns>The loss at the trained weights.</returns>
        /// <summary>One whole SAM step with a state argument (a batch, say), so a static lambda allocates nothing.</summary>
        /// <typeparam name="TCallbackState">The callback's state.</typeparam>
        /// <param name="state">Passed to the callback.</param>
        /// <param name="lossAndGradients">Computes the loss and adds the gradients at the weights the parameters show.</param>
        /// <returns>The loss at the trained weights.</returns>
        /// <summary>One m-sharpness step: the batch in m parts, each perturbed along its own gradient; one base step with their mean.</summary>
        /// <param name="parts">m ≥ 1, the number of parts the batch is split into.</param>
        /// <param name="lossAndGradients">Computes part j's loss and adds its gradients at the weights the parameters show.</param>
        /// <returns>The mean of the parts' losses at the trained weights.</returns>
        /// <summary>One m-sharpness step with a state argument, so a static lambda allocates nothing.</summary>
        /// <typeparam name="TCallbackState">The callback's state.</typeparam>
        /// <param name="parts">m ≥ 1, the number of parts the batch is split into.</param>
        /// <param name="state">Passed to the callback.</param>
        /// <param name="lossAndGradients">Computes part j's loss and adds its gradients at the weights the parameters show.</param>
        /// <returns>The mean of the parts' losses at the trained weights.</returns>
        /// <summary>
        /// Calls the visitor once per trained parameter, in declaration order, with its member path ("[]" per collection
        /// element), the element indices, and whether it is perturbed; null optional members are skipped. Allocates nothing.
        /// </summary>
        /// <typeparam name="TVisitor">The visitor type; a struct is called without boxing.</typeparam>
        /// <param name="visitor">The visitor.</param>
        /// <exception cref="global::System.InvalidOperationException">A required member is null.</exception>
