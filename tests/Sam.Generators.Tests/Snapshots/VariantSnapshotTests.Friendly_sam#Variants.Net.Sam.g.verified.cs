        /// <summary>
        /// The SAM optimizer of this model: ρ and the base optimizer's learning rate (settable between steps),
        /// telemetry of the last step, the per-parameter optimizer state and its checkpoints. Created on first use.
        /// </summary>
        /// <remarks>
        /// Configured as Friendly SAM (Li et al., CVPR 2024) with constant ρ = 0.05, λ = 0.9 and σ = 0.5,
        /// over SGD with learning rate 0.01.
        /// Guarantee: none known for this variant; the analyses cover SAM, USAM, VaSSO and RSAM (Khanh et al. 2024).
        /// </remarks>
        public global::Sam.SamOptimizer Optimizer => this.__samOptimizer ??= new global::Sam.SamOptimizer(
            this,
            new global::Sam.SamSettings
            {
                Rho = 0.05,
                Normalize = true,
                Variant = global::Sam.SamVariant.FriendlySam,
                FriendlyLambda = 0.9,
                FriendlySigma = 0.5,
            },
            new global::Sam.Sgd(learningRate: 0.01, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, decoupledWeightDecay: false));
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
