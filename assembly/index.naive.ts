// Entry point of the naive (scalar) build: build/naive.wasm.
// It exports exactly the same names and signatures as index.simd.ts: the functions listed
// in KERNEL_TABLE (src/runtime/abi.ts) and nothing else, which test/runtime/kernel-table.test.ts
// checks on the built module. See abi.ts for the shape letters and the geometry struct.
export { fill_naive as fill, scale_naive as scale, add_naive as add, build_is_simd_naive as build_is_simd, first_nonfinite_naive as first_nonfinite } from "./misc/naive";
export { geom_layout } from "./abi"; // one implementation: the ABI constants themselves
export { gemm_nn_naive as gemm_nn, gemm_tn_naive as gemm_tn, gemm_nt_naive as gemm_nt, bias_add_naive as bias_add, bias_grad_naive as bias_grad } from "./gemm/naive";
export { gemm_nn_packed_naive as gemm_nn_packed, gemm_packed_scratch_bytes_naive as gemm_packed_scratch_bytes } from "./gemm/packed-naive";
export { conv2d_scratch_bytes_naive as conv2d_scratch_bytes, conv2d_forward_naive as conv2d_forward, conv2d_forward_act_naive as conv2d_forward_act, conv2d_backward_input_naive as conv2d_backward_input, conv2d_backward_filter_naive as conv2d_backward_filter } from "./conv2d/naive";
export { maxpool2d_forward_naive as maxpool2d_forward, maxpool2d_backward_naive as maxpool2d_backward, avgpool2d_forward_naive as avgpool2d_forward, avgpool2d_backward_naive as avgpool2d_backward } from "./pool/naive";
export { relu_forward_naive as relu_forward, relu_backward_naive as relu_backward, tanh_forward_naive as tanh_forward, tanh_backward_naive as tanh_backward, sigmoid_forward_naive as sigmoid_forward, sigmoid_backward_naive as sigmoid_backward, softmax_forward_naive as softmax_forward, softmax_backward_naive as softmax_backward, mul_naive as mul, leaky_relu_forward_naive as leaky_relu_forward, leaky_relu_backward_naive as leaky_relu_backward, elu_forward_naive as elu_forward, elu_backward_naive as elu_backward } from "./act/naive";
export { softmax_xent_naive as softmax_xent, sigmoid_bce_naive as sigmoid_bce, argmax_rows_naive as argmax_rows } from "./loss/naive";
export { sgd_update_naive as sgd_update, momentum_update_naive as momentum_update, adam_update_naive as adam_update, nesterov_update_naive as nesterov_update, adamw_update_naive as adamw_update, rmsprop_update_naive as rmsprop_update, grad_sumsq_naive as grad_sumsq } from "./optim/naive";
export { rng_seed_naive as rng_seed, rng_uniform_naive as rng_uniform, rng_normal_naive as rng_normal, rng_dropout_mask_naive as rng_dropout_mask } from "./rng/naive";
export { gather_rows_naive as gather_rows, gather_rows_u8_naive as gather_rows_u8, standardize_channels_naive as standardize_channels, gather_rows_shift_naive as gather_rows_shift } from "./data/naive";
export { global_avgpool_forward_naive as global_avgpool_forward, global_avgpool_backward_naive as global_avgpool_backward } from "./gap/naive";
export { batchnorm_stats_naive as batchnorm_stats, batchnorm_combine_naive as batchnorm_combine, batchnorm_invstd_naive as batchnorm_invstd, batchnorm_forward_naive as batchnorm_forward, batchnorm_backward_stats_naive as batchnorm_backward_stats, batchnorm_backward_combine_naive as batchnorm_backward_combine, batchnorm_backward_input_naive as batchnorm_backward_input } from "./norm/naive";
