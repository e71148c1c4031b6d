        /// <summary>
        /// The SAM optimizer of this model: ρ and the base optimizer's learning rate (settable between steps),
        /// telemetry of the last step, the per-parameter optimizer state and its checkpoints. Created on first use.
        /// </summary>
        /// <remarks>
        /// Configured as SAM with constant ρ = 0.05 and a normalized perturbation (Foret et al., ICLR 2021),
        /// over SGD with learning rate 0.1, momentum 0.9 (Nesterov).
        /// Learning-rate schedule: ×0.2 every 30 steps.
        /// Guarantee: none known; momentum and Adam base steps are outside the SAM convergence analyses (Si &amp; Yun 2023; Khanh et al. 2024).
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
