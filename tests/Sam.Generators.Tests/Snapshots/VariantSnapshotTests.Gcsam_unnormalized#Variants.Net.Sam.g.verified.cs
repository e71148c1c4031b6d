        /// <summary>
        /// The SAM optimizer of this model: ρ and the base optimizer's learning rate (settable between steps),
        /// telemetry of the last step, and the per-parameter optimizer state. Created on first use.
        /// </summary>
        /// <remarks>
        /// Configured as GCSAM (Hassan et al. 2025) with constant ρ = 0.05, unnormalized,
        /// over SGD with learning rate 0.01.
        /// Guarantee: USAM's results need ρL &lt; 1 for the smoothness L (Khanh et al. 2024).
        /// </remarks>
        public global::Sam.SamEngine Optimizer => this.__samEngine ??= new global::Sam.SamEngine(
            new global::Sam.SamSettings { Rho = 0.05, Normalize = false, Variant = global::Sam.SamVariant.Gcsam },
            new global::Sam.Sgd(learningRate: 0.01, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, decoupledWeightDecay: false));
        /// <summary>Sets the gradient of every trained parameter to zero (backward passes accumulate into it).</summary>
        /// <summary>
        /// Moves the weights to the perturbed point w + ρ·ĝ, ĝ = g centralized per output unit (unnormalized GCSAM) using the gradients they hold (a zero gradient does not move them).
        /// The trained weights are kept; compute the gradients again, then call RestoreAndStep().
        /// </summary>
        /// <exception cref="global::Sam.NonFiniteGradientException">A gradient holds NaN or ±∞; nothing was changed.</exception>
        /// <exception cref="global::System.InvalidOperationException">The weights are already perturbed, or a required member is null.</exception>
        /// <summary>Returns every parameter to its trained weights without stepping (a flip of buffers, no copy).</summary>
        /// <summary>
        /// Restores the trained weights and takes the base optimizer's step with the gradients now held (those
        /// measured at the perturbed point), one fused pass per parameter. Without a perturbation it is a plain step.
        /// </summary>
        /// <exception cref="global::Sam.NonFiniteGradientException">A gradient holds NaN or ±∞; the weights were restored and not stepped.</exception>
        /// <summary>The base optimizer's step alone, from the gradients held (warm-up, or between periodic SAM steps).</summary>
        /// <exception cref="global::System.InvalidOperationException">The weights are perturbed: call RestoreAndStep() instead.</exception>
        /// <summary>
        /// One whole SAM step: zero the gradients, compute them, perturb, zero, compute them at the perturbed point,
        /// restore and step. The callback returns the loss and accumulates the gradients into the parameters. When
        /// Optimizer.SamStepDue is false (periodic SAM between SAM steps, switching's first steps) it takes the base
        /// optimizer's step instead and calls the callback once.
        /// </summary>
        /// <param name="lossAndGradients">Computes the loss and gradients at the weights the parameters show.</param>
        /// <returns>The loss at the trained weights.</returns>
        /// <summary>
        /// One whole SAM step with a state argument (a batch, say; a ref struct is fine), so a static lambda allocates nothing per step.
        /// If the callback throws, the weights are restored before the exception propagates.
        /// </summary>
        /// <typeparam name="TCallbackState">The callback's state.</typeparam>
        /// <param name="state">Passed to the callback.</param>
        /// <param name="lossAndGradients">Computes the loss and gradients at the weights the parameters show.</param>
        /// <returns>The loss at the trained weights.</returns>
        /// <summary>
        /// One m-sharpness step (Foret et al. 2021, §4.1): the batch is split in m parts; each part is perturbed along its
        /// own gradient and its gradient is measured at that point; the base optimizer steps once with the mean of the m
        /// perturbed gradients. m = 1 is SharpnessAwareStep.
        /// </summary>
        /// <param name="parts">m ≥ 1, the number of parts the batch is split into.</param>
        /// <param name="lossAndGradients">Computes part j's loss and accumulates its gradients at the weights the parameters show.</param>
        /// <returns>The mean of the parts' losses at the trained weights.</returns>
        /// <summary>
        /// One m-sharpness step with a state argument (the batch, say): for each part j = 0 … m − 1, zero the gradients,
        /// compute part j's, perturb along them, zero, compute them at the perturbed point, restore, and add them to a running
        /// sum; then the base optimizer steps once with the sum / m. When Optimizer.SamStepDue is false the parts' gradients
        /// at the trained weights are averaged instead (one callback per part). The running sums are allocated on the first
        /// call, so a static lambda allocates nothing per step. If the callback throws, the weights are restored before the
        /// exception propagates; a non-finite gradient in any part leaves the weights unperturbed and not stepped.
        /// </summary>
        /// <typeparam name="TCallbackState">The callback's state.</typeparam>
        /// <param name="parts">m ≥ 1, the number of parts the batch is split into.</param>
        /// <param name="state">Passed to the callback.</param>
        /// <param name="lossAndGradients">Computes part j's loss and accumulates its gradients at the weights the parameters show.</param>
        /// <returns>The mean of the parts' losses at the trained weights.</returns>
        /// <exception cref="global::Sam.NonFiniteGradientException">A gradient holds NaN or ±∞; the weights are unperturbed and not stepped.</exception>
        /// <exception cref="global::System.ArgumentOutOfRangeException"><paramref name="parts"/> is below 1.</exception>
        /// <summary>
        /// Calls the visitor once per trained parameter, in the order the optimizer steps them, with its member path
        /// ("[]" per collection element) and the element indices; null optional members are skipped. Allocates nothing.
        /// Used by global::Sam.SamCheckpoint to save and load the weights.
        /// </summary>
        /// <typeparam name="TVisitor">The visitor type; a struct is called without boxing.</typeparam>
        /// <param name="visitor">The visitor.</param>
        /// <exception cref="global::System.InvalidOperationException">A required member is null.</exception>
